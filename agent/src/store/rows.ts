/** Mapping between SQLite rows and the record types. */
import type { TurnRecord, TurnTimings } from '../conversation/call-record.js';
import type { CallSummary } from './store-types.js';

export interface CallRow {
  id: number;
  call_id: string;
  from_addr: string;
  to_addr: string;
  profile: string;
  source: string;
  started_at: number;
  ended_at: number | null;
  end_reason: string | null;
  turn_count: number;
}

export interface TurnRow {
  call_id: string;
  idx: number;
  user_text: string;
  agent_text: string;
  interrupted: number;
  tool_calls: string;
  end_of_utterance_delay_ms: number | null;
  stt_delay_ms: number | null;
  llm_ttft_ms: number | null;
  tts_ttfb_ms: number | null;
  voice_to_voice_ms: number | null;
  preemptive: string | null;
  started_at: number;
  ended_at: number;
}

export function callFromRow(r: CallRow): CallSummary {
  return {
    id: r.id,
    callId: r.call_id,
    from: r.from_addr,
    to: r.to_addr,
    profile: r.profile,
    source: r.source,
    startedAt: new Date(r.started_at),
    endedAt: r.ended_at === null ? null : new Date(r.ended_at),
    endReason: r.end_reason,
    turnCount: r.turn_count,
  };
}

const num = (v: number | undefined): number | null =>
  typeof v === 'number' && Number.isFinite(v) ? v : null;

export function turnToRow(t: TurnRecord): TurnRow {
  return {
    call_id: t.callId,
    idx: t.index,
    user_text: t.userText,
    agent_text: t.agentText,
    interrupted: t.interrupted ? 1 : 0,
    tool_calls: JSON.stringify(t.toolCalls),
    end_of_utterance_delay_ms: num(t.timings.endOfUtteranceDelayMs),
    stt_delay_ms: num(t.timings.sttDelayMs),
    llm_ttft_ms: num(t.timings.llmTtftMs),
    tts_ttfb_ms: num(t.timings.ttsTtfbMs),
    voice_to_voice_ms: num(t.timings.voiceToVoiceMs),
    preemptive: t.preemptive ?? null,
    started_at: t.startedAt.getTime(),
    ended_at: t.endedAt.getTime(),
  };
}

export function turnFromRow(r: TurnRow): TurnRecord {
  const timings: TurnTimings = {};
  if (r.end_of_utterance_delay_ms !== null) timings.endOfUtteranceDelayMs = r.end_of_utterance_delay_ms;
  if (r.stt_delay_ms !== null) timings.sttDelayMs = r.stt_delay_ms;
  if (r.llm_ttft_ms !== null) timings.llmTtftMs = r.llm_ttft_ms;
  if (r.tts_ttfb_ms !== null) timings.ttsTtfbMs = r.tts_ttfb_ms;
  if (r.voice_to_voice_ms !== null) timings.voiceToVoiceMs = r.voice_to_voice_ms;
  return {
    callId: r.call_id,
    index: r.idx,
    userText: r.user_text,
    agentText: r.agent_text,
    interrupted: r.interrupted === 1,
    toolCalls: JSON.parse(r.tool_calls) as TurnRecord['toolCalls'],
    timings,
    ...(r.preemptive === 'used' || r.preemptive === 'discarded' ? { preemptive: r.preemptive } : {}),
    startedAt: new Date(r.started_at),
    endedAt: new Date(r.ended_at),
  };
}
