/**
 * The fork + conversation path alone (no SIP, no RTP): a mod_audio_fork client talks to the agent's
 * fork WebSocket. Measures the agent's own added latency per turn (caller's last voiced frame sent →
 * first voiced agent audio frame received, minus the injected provider latencies and endpointing)
 * and barge-in reaction (first caller speech frame in → killAudio out).
 */
import { randomUUID } from 'node:crypto';
import type { FixtureSet } from './fixtures.js';
import { ForkCaller } from './fork-caller.js';
import type { ForkBenchResult, ProviderLatencies } from './results-types.js';
import { roundSummary, summarize } from './stats.js';
import { Ticker } from './ticker.js';

export interface ForkTarget {
  /** ws://host:port/fork?token=… */
  url: string;
  /** Request-URI user that selects the profile. */
  to: string;
  vadOnsetMs: number | undefined;
}

export interface ForkBenchOptions {
  turns: number;
  turnsPerCall: number;
  bargeEvery: number;
  bargeAfterMs: number;
  /** Fork calls at once. */
  parallel: number;
}

/** Waits until the agent has stopped sending for 300 ms and what it sent has had time to play out. */
async function waitPlayedOut(c: ForkCaller, replyStart: number, limitMs: number): Promise<void> {
  await c.until(() => {
    const now = performance.now();
    let sentMs = 0;
    for (let i = c.audioAt.length - 1; i >= 0 && c.audioAt[i]! >= replyStart; i--) sentMs += c.audioMs[i]!;
    const last = c.audioAt[c.audioAt.length - 1] ?? 0;
    return now - last > 300 && now > replyStart + sentMs + 200 ? true : undefined;
  }, limitMs);
}

async function oneCall(
  target: ForkTarget,
  fx: FixtureSet,
  o: ForkBenchOptions,
  first: number,
  share: number[],
  reaction: number[],
  failures: string[],
  injected: number,
): Promise<void> {
  const ticker = new Ticker();
  const c = await ForkCaller.connect({
    url: target.url,
    callId: `bench-${randomUUID()}`,
    to: target.to,
    ticker,
  });
  try {
    const connectedAt = performance.now();
    const greeting = await c.until(() => c.firstVoicedAfter(connectedAt), 5000);
    if (greeting !== undefined) await waitPlayedOut(c, greeting, 15_000);
    for (let i = 0; i < o.turnsPerCall && !c.closed; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const utt = fx.sentences[(first + i) % fx.sentences.length]!;
      const { lastVoicedAt } = await c.play(utt);
      const reply = await c.until(() => c.firstVoicedAfter(lastVoicedAt), 6000);
      if (reply === undefined) {
        failures.push(`fork turn ${first + i}: no reply`);
        continue;
      }
      share.push(reply - lastVoicedAt - injected);
      if (o.bargeEvery > 0 && (i + 1) % o.bargeEvery === 0) {
        await new Promise((r) => setTimeout(r, Math.max(0, reply + o.bargeAfterMs - performance.now())));
        const { onsetAt, lastVoicedAt: bargeEnd } = await c.play(fx.barge);
        const kill = c.firstCommandAfter('killAudio', onsetAt - 1);
        if (kill === undefined) failures.push(`fork turn ${first + i}: no killAudio after barge-in`);
        else reaction.push(kill - onsetAt);
        const answer = await c.until(() => c.firstVoicedAfter(bargeEnd), 6000);
        if (answer !== undefined) await waitPlayedOut(c, answer, 15_000);
      } else {
        await waitPlayedOut(c, reply, 15_000);
      }
    }
  } finally {
    await c.close();
  }
}

export async function runForkBench(
  target: ForkTarget,
  fx: FixtureSet,
  latencies: ProviderLatencies,
  o: ForkBenchOptions,
): Promise<ForkBenchResult> {
  const injected =
    latencies.endpointingMs + latencies.sttFinalMs + latencies.llmFirstTokenMs + latencies.ttsFirstByteMs;
  const share: number[] = [];
  const reaction: number[] = [];
  const failures: string[] = [];
  // Calls of turnsPerCall turns each, `parallel` at a time (a couple of calls barely load the agent).
  const calls = Math.ceil(o.turns / o.turnsPerCall);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < calls) {
      const i = next++;
      const turns = Math.min(o.turnsPerCall, o.turns - i * o.turnsPerCall);
      await oneCall(
        target,
        fx,
        { ...o, turnsPerCall: turns },
        i * o.turnsPerCall,
        share,
        reaction,
        failures,
        injected,
      );
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.parallel) }, worker));
  return {
    turns: share.length,
    agentShareMs: roundSummary(summarize(share)),
    bargeInReactionMs: roundSummary(summarize(reaction)),
    vadOnsetMs: target.vadOnsetMs,
    note:
      (o.parallel > 1 ? `${o.parallel} fork calls at a time. ` : '') +
      (failures.length
        ? `Failures: ${failures.slice(0, 5).join('; ')}${failures.length > 5 ? ` (+${failures.length - 5})` : ''}`
        : ''),
  };
}
