import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../time/clock.js';
import { settle } from '../../testing/conversation-harness.js';
import { MemoryTts } from '../../testing/memory-providers.js';
import { ProviderError } from '../errors.js';
import type { TtsConnection, TtsEvent, TtsUtterance } from '../types.js';
import { FallbackTts } from './fallback-tts.js';
import type { ProviderFault } from './fallback-types.js';
import { RouteHealth } from './route-health.js';

function setup(routes = 1) {
  const clock = new ManualClock();
  const tts = Array.from({ length: routes }, () => new MemoryTts(clock, { ttfbMs: 50 }));
  const faults: ProviderFault[] = [];
  const fallback = new FallbackTts({
    routes: tts.map((provider, i) => ({ provider, ...(i ? { voice: `voice-${i}` } : {}), label: `tts${i}` })),
    clock,
    health: new RouteHealth(clock),
    budgetMs: 2000,
    attemptTimeoutMs: 1000,
    maxAttempts: 3,
    minAttemptMs: 300,
    connectTimeoutMs: 1000,
    onFault: (f) => faults.push(f),
  });
  const connect = async (): Promise<TtsConnection> => {
    const p = fallback.connect({
      sampleRate: 8000,
      voice: 'voice-0',
      language: 'en',
      signal: new AbortController().signal,
    });
    await settle();
    return p;
  };
  return { clock, tts, faults, connect };
}

async function speak(clock: ManualClock, u: TtsUtterance, text: string, maxMs = 5000) {
  const events: TtsEvent[] = [];
  let error: unknown;
  let finished = false;
  const task = (async () => {
    try {
      for await (const e of u) events.push(e);
    } catch (err) {
      error = err;
    }
    finished = true;
  })();
  u.pushText(text);
  u.end();
  for (let t = 0; t < maxMs && !finished; t += 10) {
    await settle();
    clock.advance(10);
  }
  await task;
  return { audio: events.filter((e) => e.type === 'audio').length, last: events.at(-1), error };
}

describe('FallbackTts', () => {
  it('a connection the server closed while idle is reopened before the next utterance: no error', async () => {
    const { clock, tts, faults, connect } = setup();
    const conn = await connect();
    expect((await speak(clock, conn.utterance(), 'First.')).last).toEqual({ type: 'done' });
    tts[0]!.dropConnections();
    const second = await speak(clock, conn.utterance(), 'Second reply.');
    expect(second.error).toBeUndefined();
    expect(second.last).toEqual({ type: 'done' });
    expect(tts[0]!.connects).toHaveLength(2);
    expect(tts[0]!.utterances.at(-1)!.text).toBe('Second reply.');
    expect(faults).toEqual([
      { stage: 'tts', code: 'closed', action: 'reconnected', from: 'tts0', to: 'tts0' },
    ]);
  });

  it('an error before the first audio replays the same text on the route; after audio it surfaces', async () => {
    const { clock, tts, faults, connect } = setup();
    const conn = await connect();
    tts[0]!.failNext = {
      afterChunks: 0,
      error: new ProviderError('tts', 'server_error', 'context failed', true),
    };
    const r = await speak(clock, conn.utterance(), 'Say this.');
    expect(r.error).toBeUndefined();
    expect(r.audio).toBeGreaterThan(0);
    expect(tts[0]!.utterances.map((u) => u.text)).toEqual(['Say this.', 'Say this.']);
    expect(faults[0]).toMatchObject({ code: 'server_error', action: 'retried' });

    tts[0]!.failNext = { afterChunks: 2, error: new ProviderError('tts', 'server_error', 'mid-way', true) };
    const mid = await speak(clock, conn.utterance(), 'A longer sentence that breaks.');
    expect(mid.audio).toBe(2);
    expect(mid.error).toMatchObject({ code: 'server_error' });
    expect(tts[0]!.utterances).toHaveLength(3);
  });

  it('no audio within the attempt timeout: a fresh connection gets the text', async () => {
    const { clock, tts, connect } = setup();
    const conn = await connect();
    tts[0]!.failNext = 'silent';
    const r = await speak(clock, conn.utterance(), 'Hello?');
    expect(r.last).toEqual({ type: 'done' });
    expect(tts[0]!.connects).toHaveLength(2);
    expect(tts[0]!.closedConnections).toBe(1);
  });

  it('a primary that cannot connect falls back to the next route and its voice', async () => {
    const { clock, tts, connect } = setup(2);
    tts[0]!.failConnects = 1;
    const conn = await connect();
    const r = await speak(clock, conn.utterance(), 'From the second voice.');
    expect(r.last).toEqual({ type: 'done' });
    expect(tts[1]!.connects.map((c) => c.voice)).toEqual(['voice-1']);
  });

  it('gives up with the last error once the attempts are spent; cancel ends quietly', async () => {
    const { clock, tts, faults, connect } = setup();
    const conn = await connect();
    tts[0]!.failConnects = 10;
    tts[0]!.dropConnections();
    const r = await speak(clock, conn.utterance(), 'Nobody hears this.');
    expect(r.error).toMatchObject({ code: 'connect_failed' });
    expect(faults.at(-1)).toMatchObject({ action: 'gave_up' });

    tts[0]!.failConnects = 0;
    const u = conn.utterance();
    const events: TtsEvent[] = [];
    const reading = (async () => {
      for await (const e of u) events.push(e);
    })();
    u.pushText('Cut me off.');
    await settle();
    u.cancel();
    await reading;
    expect(events.every((e) => e.type === 'audio')).toBe(true);
  });
});
