/**
 * The agent's own per-turn timings (end-of-utterance delay, STT delay, LLM first token, TTS first
 * byte, voice-to-voice as the agent saw it) read back from its calls API, to say where time goes.
 */
import { roundSummary, summarize, type Summary } from './stats.js';

const KEYS = ['endOfUtteranceDelayMs', 'sttDelayMs', 'llmTtftMs', 'ttsTtfbMs', 'voiceToVoiceMs'] as const;
export type AgentTimingKey = (typeof KEYS)[number];

interface ApiTurn {
  interrupted: boolean;
  timings: Partial<Record<AgentTimingKey, number>>;
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

/** Timings of every turn of the calls that started at or after `since` (a Date). */
export async function agentTurnTimings(
  httpUrl: string,
  since: Date,
): Promise<Record<AgentTimingKey, Summary>> {
  const list = await getJson<{ calls: { callId: string; startedAt: string }[] }>(
    `${httpUrl}/api/calls?limit=500`,
  );
  const values: Record<AgentTimingKey, number[]> = {
    endOfUtteranceDelayMs: [],
    sttDelayMs: [],
    llmTtftMs: [],
    ttsTtfbMs: [],
    voiceToVoiceMs: [],
  };
  for (const c of list.calls.filter((x) => new Date(x.startedAt) >= since)) {
    const detail = await getJson<{ call: { turns: ApiTurn[] } }>(
      `${httpUrl}/api/calls/${encodeURIComponent(c.callId)}`,
    );
    for (const t of detail.call.turns) {
      for (const k of KEYS) {
        const v = t.timings[k];
        if (typeof v === 'number' && Number.isFinite(v)) values[k].push(v);
      }
    }
  }
  return Object.fromEntries(KEYS.map((k) => [k, roundSummary(summarize(values[k]))])) as Record<
    AgentTimingKey,
    Summary
  >;
}
