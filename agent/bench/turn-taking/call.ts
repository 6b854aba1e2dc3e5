/**
 * One scripted call over the agent's fork WebSocket, measured at the caller: the caller's turn is
 * played segment by segment at real time (pauses inside the turn kept), then an optional sound over
 * the agent's answer. What the caller hears of the agent comes from playout.ts.
 */
import { randomUUID } from 'node:crypto';
import type { DeepgramFake } from '../../src/testing/fakes/deepgram-fake.js';
import type { OpenAiFake } from '../../src/testing/fakes/openai-fake.js';
import { ForkCaller } from '../fork-caller.js';
import { Ticker } from '../ticker.js';
import { leadingSilenceMs, type CallAudio } from './audio.js';
import { heardBetween, heardSpeech, type Heard } from './playout.js';
import { holdsOf, transcriptsOf, type CallScript } from './scenarios.js';

/** The TTS fake speaks 55 ms per character. */
export const TTS_MS_PER_CHAR = 55;

export interface OverlapResult {
  kind: string;
  /** Caller's onset of the sound → killAudio (the pause), ms; undefined if the agent never paused. */
  pauseMs?: number;
  /** Agent speech heard from its first audio to the end of the observation, and what a full reply is. */
  heardMs: number;
  expectedMs: number;
  /** The agent answered the sound as a turn of its own (an LLM request with its words). */
  answered: boolean;
  /** Backchannel / noise: the reply did not reach the caller in full (stopped, or replaced by an answer). */
  falseBargeIn?: boolean;
  /** Real interruption: not silenced within 1 s, the old reply came back, or no answer followed. */
  missed?: boolean;
  /** Real interruption: caller's onset → the agent silent at the caller (killAudio), ms. */
  stopMs?: number;
}

export interface CallResult {
  id: string;
  category: string;
  mode: string;
  /** Set when the call could not be measured (no greeting, STT fake segmented differently…). */
  problem?: string;
  /** Agent speech heard while the caller's turn was still going on (a false cut-off). */
  cutOff: boolean;
  /** The agent took only part of the turn as a user turn (its records hold a split turn). */
  partial: boolean;
  /** Caller's last voiced frame → first agent speech heard, ms (turns not cut off). */
  latencyMs?: number;
  /** LLM requests the agent made during the call (early replies that were thrown away included). */
  llmRequests?: number;
  /** The agent's own record of the caller's (first) turn: timings and whether the early reply was used. */
  agentTurn?: { userText: string; preemptive?: string; timings: Record<string, number> };
  overlap?: OverlapResult;
}

export interface CallTarget {
  forkUrl: string;
  httpUrl: string;
  extension: string;
  mode: string;
  deepgram: DeepgramFake;
  openai: OpenAiFake;
  latencies: { sttFinalMs: number; llmFirstTokenMs: number; ttsFirstByteMs: number; fluxEotMs: number };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

export async function runCall(call: CallScript, audio: CallAudio, t: CallTarget): Promise<CallResult> {
  const base: CallResult = {
    id: call.id,
    category: call.category,
    mode: t.mode,
    cutOff: false,
    partial: false,
  };
  t.deepgram.setScript({
    utterances: transcriptsOf(call),
    holds: holdsOf(call),
    finalDelayMs: t.latencies.sttFinalMs,
    finalizeDelayMs: t.latencies.sttFinalMs,
    fluxEotLatencyMs: t.latencies.fluxEotMs,
  });
  t.openai.setScript({
    replies: [],
    fallback: { text: call.reply },
    firstTokenMs: t.latencies.llmFirstTokenMs,
    interTokenMs: 20,
  });
  const requestsBefore = t.openai.requests.length;
  const callId = `tt-${call.id}-${randomUUID().slice(0, 8)}`;
  const c = await ForkCaller.connect({ url: t.forkUrl, callId, to: t.extension, ticker: new Ticker() });
  try {
    const heard = (): Heard[] => heardSpeech(arrivals(c), kills(c));
    const connected = performance.now();
    const greeting = await c.until(() => heard().find((h) => h.start >= connected), 5000);
    if (!greeting) return { ...base, problem: 'no greeting' };
    await c.until(() => (performance.now() > lastEnd(heard()) + 300 ? true : undefined), 10_000);

    const turnStart = performance.now();
    let turnEnd = turnStart;
    for (const [i, seg] of call.turn.entries()) {
      const { lastVoicedAt } = await c.play(audio.turn[i]!);
      turnEnd = lastVoicedAt;
      if (seg.pauseMs !== undefined) await sleep(seg.pauseMs - leadingSilenceMs(audio.turn[i + 1]!));
    }
    const reply = await c.until(() => heard().find((h) => h.end > turnStart && h.start > greeting.end), 6000);
    const result: CallResult = { ...base };
    if (reply && reply.start < turnEnd) result.cutOff = true;
    else if (reply) result.latencyMs = reply.start - turnEnd;
    else result.problem = 'no reply';
    if (call.overlap && reply && !result.cutOff) {
      result.overlap = await overlap(c, call, audio, reply, heard, t, requestsBefore);
    } else {
      await sleep(400);
    }
    const expected = transcriptsOf(call).length;
    if (t.deepgram.handedOut !== expected) {
      result.problem = `STT fake heard ${t.deepgram.handedOut} segments, script has ${expected}`;
    }
    await c.close();
    result.llmRequests = t.openai.requests.length - requestsBefore;
    const first = await firstUserTurn(t.httpUrl, callId);
    if (first) {
      result.agentTurn = first;
      result.partial = first.userText !== call.turn.map((s) => s.heard).join(' ');
    }
    return result;
  } finally {
    await c.close();
  }
}

async function overlap(
  c: ForkCaller,
  call: CallScript,
  audio: CallAudio,
  reply: Heard,
  heard: () => Heard[],
  t: CallTarget,
  requestsBefore: number,
): Promise<OverlapResult> {
  const o = call.overlap!;
  const expectedMs = call.reply.length * TTS_MS_PER_CHAR;
  await sleep(reply.start + o.atMs - performance.now() - leadingSilenceMs(audio.overlap!));
  const { onsetAt, lastVoicedAt } = await c.play(audio.overlap!);
  const kill = c.commands.find((x) => x.type === 'killAudio' && x.at >= onsetAt - 20)?.at;
  const answeredBy = (): number | undefined =>
    t.openai.requests.slice(requestsBefore).find((r) => lastUser(r.body) === o.heard && !r.clientClosedEarly)
      ?.receivedAt;
  const out: OverlapResult = { kind: o.kind, heardMs: 0, expectedMs, answered: false };
  if (kill !== undefined) out.pauseMs = Math.round(kill - onsetAt);
  if (o.kind === 'interrupt') {
    const asked = await c.until(answeredBy, 6000);
    out.answered = asked !== undefined;
    out.stopMs = kill !== undefined ? Math.round(kill - onsetAt) : undefined;
    const oldBack = kill !== undefined && asked !== undefined ? heardBetween(heard(), kill, asked) : 0;
    out.missed = kill === undefined || kill - onsetAt > 1000 || oldBack > 100 || asked === undefined;
    out.heardMs = Math.round(heardBetween(heard(), reply.start, lastVoicedAt));
    return out;
  }
  // Backchannel or noise: listen until a full reply would have ended, plus the pause and slack.
  await sleep(reply.start + expectedMs + 3000 - performance.now());
  out.heardMs = Math.round(heardBetween(heard(), reply.start, performance.now()));
  out.answered = answeredBy() !== undefined;
  out.falseBargeIn = out.answered || out.heardMs < 0.85 * expectedMs;
  return out;
}

function lastUser(body: Record<string, unknown>): string | undefined {
  const msgs = (body.messages ?? []) as { role: string; content: unknown }[];
  const u = [...msgs].reverse().find((m) => m.role === 'user');
  return typeof u?.content === 'string' ? u.content : undefined;
}

/** The agent's record of the first caller turn of the call (its store, through the calls API). */
async function firstUserTurn(httpUrl: string, callId: string): Promise<CallResult['agentTurn']> {
  type Turn = NonNullable<CallResult['agentTurn']>;
  for (let i = 0; i < 20; i++) {
    const res = await fetch(`${httpUrl}/api/calls/${encodeURIComponent(callId)}`);
    if (res.ok) {
      const body = (await res.json()) as { call?: { turns?: Turn[] } };
      const first = (body.call?.turns ?? []).find((x) => x.userText);
      if (first) return { userText: first.userText, preemptive: first.preemptive, timings: first.timings };
    }
    await sleep(100);
  }
  return undefined;
}

function arrivals(c: ForkCaller) {
  return c.audioAt.map((at, i) => ({ at, ms: c.audioMs[i]!, voiced: c.audioVoiced[i]! }));
}

function kills(c: ForkCaller): number[] {
  return c.commands.filter((x) => x.type === 'killAudio').map((x) => x.at);
}

function lastEnd(heard: Heard[]): number {
  return heard.at(-1)?.end ?? 0;
}
