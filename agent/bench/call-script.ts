/**
 * What one benchmark caller does and measures: wait out the greeting, speak turns, optionally barge in
 * on the agent's reply, hang up. All times are measured at the caller (performance.now()).
 */
import type { FixtureSet } from './fixtures.js';
import type { BenchCall } from './rtp-caller.js';

export interface ScriptOptions {
  turns: number;
  /** Index of the first sentence (rotates through the fixture set). */
  firstSentence?: number;
  /** Wait for the agent's greeting before the first turn. */
  expectGreeting: boolean;
  /** Barge in on every n-th turn's reply (0 = never). */
  bargeEvery?: number;
  /** Caller speech starts this long after the agent's reply became audible. */
  bargeAfterMs?: number;
  /** The agent is done talking once nothing voiced arrived for this long. */
  quietMs?: number;
  /** Longest wait for the agent to start answering. */
  replyTimeoutMs?: number;
  /** Longest agent reply we sit through. */
  maxReplyMs?: number;
  /** Pause between the agent going quiet and the next caller turn. */
  thinkMs?: number;
}

export interface TurnResult {
  sentence: string;
  /** Caller's last voiced packet sent → first voiced agent packet received. */
  voiceToVoiceMs: number | undefined;
}

export interface BargeResult {
  /** Caller speech onset during agent playback → last voiced agent packet received. */
  bargeInMs: number | undefined;
  /** The reply had already ended when the caller started talking (nothing to interrupt). */
  missed: boolean;
}

export interface ScriptResult {
  greetingMs: number | undefined;
  turns: TurnResult[];
  barges: BargeResult[];
  failures: string[];
}

async function bargeIn(
  call: BenchCall,
  fx: FixtureSet,
  replyStartedAt: number,
  o: Required<ScriptOptions>,
): Promise<BargeResult> {
  const startAt = replyStartedAt + o.bargeAfterMs;
  await call.wait(Math.max(0, startAt - performance.now()));
  const stillTalking = performance.now() - call.rtp.lastVoicedRxAt < 60;
  const { onsetAt, lastVoicedAt } = await call.play(fx.barge);
  await call.waitAgentQuiet(o.quietMs, o.maxReplyMs);
  const agentLast = call.rtp.lastVoicedBetween(onsetAt, Math.max(performance.now(), lastVoicedAt));
  // The agent's answer to the interruption itself comes later; wait it out before the next turn.
  const answer = await call.waitAgentVoice(lastVoicedAt, o.replyTimeoutMs);
  if (answer !== undefined) await call.waitAgentQuiet(o.quietMs, o.maxReplyMs);
  if (!stillTalking) return { bargeInMs: undefined, missed: true };
  return { bargeInMs: agentLast === undefined ? 0 : agentLast - onsetAt, missed: false };
}

export async function runScript(
  call: BenchCall,
  fx: FixtureSet,
  options: ScriptOptions,
): Promise<ScriptResult> {
  const o: Required<ScriptOptions> = {
    firstSentence: 0,
    bargeEvery: 0,
    bargeAfterMs: 400,
    quietMs: 400,
    replyTimeoutMs: 5000,
    maxReplyMs: 15_000,
    thinkMs: 100,
    ...options,
  };
  const result: ScriptResult = { greetingMs: undefined, turns: [], barges: [], failures: [] };
  const dialledAt = performance.now() - call.setupMs;
  if (o.expectGreeting) {
    const heard = await call.waitAgentVoice(dialledAt, o.replyTimeoutMs);
    if (heard === undefined) result.failures.push('no greeting');
    else result.greetingMs = heard - dialledAt;
    await call.waitAgentQuiet(o.quietMs, o.maxReplyMs);
  }
  for (let i = 0; i < o.turns && !call.ended; i++) {
    await call.wait(o.thinkMs);
    const utt = fx.sentences[(o.firstSentence + i) % fx.sentences.length]!;
    const { lastVoicedAt } = await call.play(utt);
    const reply = await call.waitAgentVoice(lastVoicedAt, o.replyTimeoutMs);
    result.turns.push({
      sentence: utt.text,
      voiceToVoiceMs: reply === undefined ? undefined : reply - lastVoicedAt,
    });
    if (reply === undefined) {
      result.failures.push(`turn ${i}: no reply within ${o.replyTimeoutMs} ms`);
      continue;
    }
    if (o.bargeEvery > 0 && (i + 1) % o.bargeEvery === 0)
      result.barges.push(await bargeIn(call, fx, reply, o));
    else await call.waitAgentQuiet(o.quietMs, o.maxReplyMs);
  }
  if (call.ended) result.failures.push('far end hung up');
  return result;
}
