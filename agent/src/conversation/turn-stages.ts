/**
 * Where one turn's voice-to-voice time went, as stages that add up. Pure: it takes the clock times
 * the turn recorded. After the end-of-turn decision: every LLM call before the first spoken text
 * (from its request, or the decision if it started early, to its first text or its end), tools run
 * before that text, clause chunking (first token → first text to TTS), the TTS's first byte, and
 * `engine`: whatever is left, our own share.
 */
import type { TokenUsage } from '../providers/types.js';
import type { TurnTimings } from './call-record.js';

/** One LLM call as the turn saw it (clock ms). */
export interface LlmCallTiming {
  model: string;
  requestAt: number;
  firstEventAt?: number;
  firstTextAt?: number;
  endedAt?: number;
  usage?: TokenUsage;
  toolCalls: number;
  outcome?: 'done' | 'failed' | 'cancelled';
}

export interface ToolRunTiming {
  startAt: number;
  endAt?: number;
}

export interface StageMarks {
  speechEndedAt: number | undefined;
  decidedAt: number | undefined;
  llmCalls: readonly LlmCallTiming[];
  toolRuns: readonly ToolRunTiming[];
  /** The first text handed to TTS, of the speech whose audio came first. */
  firstTextPushedAt: number | undefined;
  firstAudioAt: number | undefined;
}

const pos = (ms: number): number => Math.max(0, ms);
const round = (ms: number): number => Math.round(ms * 10) / 10;

export function turnStages(
  m: StageMarks,
): Pick<TurnTimings, 'llmMs' | 'toolsMs' | 'chunkingMs' | 'engineMs'> {
  const { speechEndedAt: end, firstAudioAt: audio, firstTextPushedAt: pushed } = m;
  if (end === undefined || audio === undefined || pushed === undefined) return {};
  const start = Math.max(end, m.decidedAt ?? end);
  const before = m.llmCalls.filter((c) => c.requestAt < pushed);
  let llm = 0;
  for (const c of before) {
    const stop = Math.min(c.firstTextAt ?? c.endedAt ?? pushed, pushed);
    llm += pos(stop - Math.max(c.requestAt, start));
  }
  let tools = 0;
  for (const t of m.toolRuns) {
    if (t.startAt >= pushed) continue;
    tools += pos(Math.min(t.endAt ?? pushed, pushed) - Math.max(t.startAt, start));
  }
  const spoken = before.filter((c) => c.firstTextAt !== undefined && c.firstTextAt <= pushed).at(-1);
  const chunking = spoken ? pos(pushed - Math.max(spoken.firstTextAt!, start)) : 0;
  const tts = pos(audio - pushed);
  const engine = audio - end - (start - end) - llm - tools - chunking - tts;
  return { llmMs: round(llm), toolsMs: round(tools), chunkingMs: round(chunking), engineMs: round(engine) };
}
