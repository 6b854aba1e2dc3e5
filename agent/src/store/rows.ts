/** Mapping between SQLite rows and the record types. */
import type { LlmCallRecord, TurnFault, TurnRecord, TurnTimings } from '../conversation/call-record.js';
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
  direction: string;
  route: string | null;
  outcome: string | null;
  hangup_by: string | null;
  answer_kind: string | null;
  answer_reason: string | null;
  answer_latency_ms: number | null;
  answer_action: string | null;
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
  llm_ms: number | null;
  tools_ms: number | null;
  chunking_ms: number | null;
  engine_ms: number | null;
  preemptive: string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  /** JSON LlmCallRecord[], or null when the turn made no LLM call. */
  llm_calls: string | null;
  /** JSON TurnFault[], or null when the turn met none. */
  faults: string | null;
  started_at: number;
  ended_at: number;
}

/** Each timing of a turn and its column. */
const TIMING_COLUMNS = [
  ['endOfUtteranceDelayMs', 'end_of_utterance_delay_ms'],
  ['sttDelayMs', 'stt_delay_ms'],
  ['llmTtftMs', 'llm_ttft_ms'],
  ['ttsTtfbMs', 'tts_ttfb_ms'],
  ['voiceToVoiceMs', 'voice_to_voice_ms'],
  ['llmMs', 'llm_ms'],
  ['toolsMs', 'tools_ms'],
  ['chunkingMs', 'chunking_ms'],
  ['engineMs', 'engine_ms'],
] as const satisfies readonly (readonly [keyof TurnTimings, keyof TurnRow])[];

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
    direction: r.direction === 'outbound' ? 'outbound' : 'inbound',
    route: r.route,
    outcome: r.outcome,
    hangupBy: r.hangup_by,
    answer:
      r.answer_kind === null
        ? null
        : {
            kind: r.answer_kind,
            reason: r.answer_reason,
            latencyMs: r.answer_latency_ms,
            action: r.answer_action,
          },
    turnCount: r.turn_count,
  };
}

const num = (v: number | undefined): number | null =>
  typeof v === 'number' && Number.isFinite(v) ? v : null;

const json = (v: unknown[] | undefined): string | null => (v && v.length > 0 ? JSON.stringify(v) : null);

export function turnToRow(t: TurnRecord): TurnRow {
  const timings = Object.fromEntries(TIMING_COLUMNS.map(([k, col]) => [col, num(t.timings[k])]));
  return {
    call_id: t.callId,
    idx: t.index,
    user_text: t.userText,
    agent_text: t.agentText,
    interrupted: t.interrupted ? 1 : 0,
    tool_calls: JSON.stringify(t.toolCalls),
    ...(timings as Pick<TurnRow, (typeof TIMING_COLUMNS)[number][1]>),
    preemptive: t.preemptive ?? null,
    prompt_tokens: num(t.usage?.promptTokens),
    completion_tokens: num(t.usage?.completionTokens),
    llm_calls: json(t.llmCalls),
    faults: json(t.faults),
    started_at: t.startedAt.getTime(),
    ended_at: t.endedAt.getTime(),
  };
}

export function turnFromRow(r: TurnRow): TurnRecord {
  const timings: TurnTimings = {};
  for (const [k, col] of TIMING_COLUMNS) {
    const v = r[col];
    if (v !== null) timings[k] = v;
  }
  return {
    callId: r.call_id,
    index: r.idx,
    userText: r.user_text,
    agentText: r.agent_text,
    interrupted: r.interrupted === 1,
    toolCalls: JSON.parse(r.tool_calls) as TurnRecord['toolCalls'],
    timings,
    ...(r.preemptive === 'used' || r.preemptive === 'discarded' ? { preemptive: r.preemptive } : {}),
    ...(r.llm_calls !== null ? { llmCalls: JSON.parse(r.llm_calls) as LlmCallRecord[] } : {}),
    ...(r.prompt_tokens !== null && r.completion_tokens !== null
      ? { usage: { promptTokens: r.prompt_tokens, completionTokens: r.completion_tokens } }
      : {}),
    ...(r.faults !== null ? { faults: JSON.parse(r.faults) as TurnFault[] } : {}),
    startedAt: new Date(r.started_at),
    endedAt: new Date(r.ended_at),
  };
}
