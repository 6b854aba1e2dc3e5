/**
 * Conformance of the TTS stage: the shared contract run against the Cartesia adapter (the official
 * SDK, CJS build, against the TLS fake) and against the engine tests' in-memory double; then what
 * only the adapter can show (PCM on the wire, the context request, credentials, TLS, latency).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../time/clock.js';
import { concatPcm, rms } from '../audio/pcm.js';
import { describeTtsContract, TTS_CONTRACT_TIMEOUT_MS } from '../testing/contracts/tts-contract.js';
import {
  startCartesiaFake,
  type CartesiaFake,
  type CartesiaFakeScript,
} from '../testing/fakes/cartesia-fake.js';
import { MemoryTts } from '../testing/memory-providers.js';
import { CartesiaTts, type CartesiaTtsConfig } from './cartesia/cartesia-tts.js';
import { errorForHttpStatus, ProviderError } from './errors.js';
import type { TtsConnection, TtsEvent, TtsUtterance } from './types.js';

const OPTIONS = { sampleRate: 8000, voice: 'voice-123', language: 'en', model: 'sonic-3' };

describeTtsContract('CartesiaTts against the Cartesia fake', async () => {
  const f = await startCartesiaFake({ firstByteMs: 20 });
  const tts = new CartesiaTts({
    apiKey: f.apiKey,
    baseUrl: f.url,
    insecureTls: true,
    receiveTimeoutMs: TTS_CONTRACT_TIMEOUT_MS,
  });
  return {
    connect: () => tts.connect({ ...OPTIONS, signal: new AbortController().signal }),
    errorNext: (status) => (f.script.errorOnContext = { index: f.contexts.length, status }),
    stallAfter: (chunks) => (f.script.stallAfterChunks = chunks),
    dropAfter: (chunks) => (f.script.closeAfterChunks = chunks),
    closeIdle: () => f.closeConnections(1000),
    connections: () => f.connectionCount,
    close: () => f.close(),
  };
});

describeTtsContract("MemoryTts (the engine tests' double)", () => {
  const tts = new MemoryTts(systemClock, { ttfbMs: 20, receiveTimeoutMs: TTS_CONTRACT_TIMEOUT_MS });
  return Promise.resolve({
    connect: () => tts.connect({ ...OPTIONS, signal: new AbortController().signal }),
    errorNext: (status) =>
      (tts.failNext = { afterChunks: 0, error: errorForHttpStatus('tts', 'memory TTS', status) }),
    stallAfter: () => (tts.failNext = 'silent'),
    dropAfter: (chunks) => (tts.dropAfterChunks = chunks),
    closeIdle: () => tts.dropConnections(),
    connections: () => tts.connects.length,
    close: () => Promise.resolve(),
  });
});

let fake: CartesiaFake | undefined;
const connections: TtsConnection[] = [];

afterEach(async () => {
  for (const c of connections.splice(0)) c.close();
  await fake?.close();
  fake = undefined;
});

async function connect(
  script: CartesiaFakeScript = {},
  sampleRate = 8000,
  config: Partial<CartesiaTtsConfig> = {},
): Promise<TtsConnection> {
  fake ??= await startCartesiaFake(script);
  const tts = new CartesiaTts({ apiKey: fake.apiKey, baseUrl: fake.url, insecureTls: true, ...config });
  const conn = await tts.connect({
    sampleRate,
    voice: 'voice-123',
    language: 'en',
    model: 'sonic-3',
    signal: new AbortController().signal,
  });
  connections.push(conn);
  return conn;
}

async function collect(u: TtsUtterance): Promise<TtsEvent[]> {
  const out: TtsEvent[] = [];
  for await (const e of u) out.push(e);
  return out;
}

function audioOf(events: TtsEvent[]): Int16Array {
  return concatPcm(events.flatMap((e) => (e.type === 'audio' ? [e.pcm] : [])));
}

describe('CartesiaTts on the wire (adapter only)', () => {
  it.each([8000, 16000])('speaks non-silent raw PCM of plausible length at %i Hz', async (rate) => {
    const conn = await connect({}, rate);
    const u = conn.utterance();
    const clauses = ['Hello there. ', 'How can I help you today?'];
    const started = Date.now();
    const done = collect(u);
    for (const c of clauses) u.pushText(c);
    u.end();
    const events = await done;
    const pcm = audioOf(events);
    const chars = clauses.join('').length;
    const expected = (chars * 55 * rate) / 1000;
    expect(pcm.length).toBeGreaterThan(expected * 0.95);
    expect(pcm.length).toBeLessThan(expected * 1.05);
    expect(rms(pcm)).toBeGreaterThan(2000);
    expect(events.at(-1)).toEqual({ type: 'done' });
    // Faster than real time: all of it well before its own duration.
    expect(Date.now() - started).toBeLessThan((pcm.length / rate) * 1000);

    const ctx = fake!.contexts[0]!;
    expect(ctx.texts).toEqual([...clauses, '']);
    expect(ctx.request).toMatchObject({
      model_id: 'sonic-3',
      voice: 'voice-123',
      language: 'en',
      output_format: { container: 'raw', encoding: 'pcm_s16le', sample_rate: rate },
      max_buffer_delay_ms: 0,
      continue: true,
    });
    expect(fake!.lastHeaders).toMatchObject({
      authorization: 'Bearer',
      'cartesia-version': expect.any(String),
    });
  });

  it('cancel() tells the server: it stops generating that context', async () => {
    const conn = await connect({ speed: 2 });
    const u = conn.utterance();
    u.pushText(
      'This is a rather long sentence that would take many seconds to speak out loud in full. '.repeat(3),
    );
    let n = 0;
    for await (const e of u) if (e.type === 'audio' && ++n === 2) u.cancel();
    await fake!.waitFor(() => fake!.contexts[0]!.cancelled);
    const sent = fake!.contexts[0]!.chunksSent;
    await new Promise((r) => setTimeout(r, 200));
    expect(fake!.contexts[0]!.chunksSent).toBe(sent);
    expect(fake!.contexts[0]!.done).toBe(false);
  });

  it('first audio arrives after the scripted first-byte latency', async () => {
    const conn = await connect({ firstByteMs: 150 });
    const u = conn.utterance();
    const t0 = Date.now();
    u.pushText('Hi.');
    u.end();
    for await (const e of u) {
      if (e.type === 'audio') break;
    }
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
  });

  it('a wrong key is auth_failed; a missing key is auth_failed without a connection', async () => {
    fake = await startCartesiaFake();
    const bad = new CartesiaTts({ apiKey: 'wrong', baseUrl: fake.url, insecureTls: true });
    const opts = { sampleRate: 8000, voice: 'v', language: 'en', signal: new AbortController().signal };
    await expect(bad.connect(opts)).rejects.toMatchObject({ code: 'auth_failed', provider: 'tts' });
    const none = new CartesiaTts({ apiKey: undefined, baseUrl: fake.url, insecureTls: true });
    await expect(none.connect(opts)).rejects.toBeInstanceOf(ProviderError);
    await expect(none.connect(opts)).rejects.toMatchObject({ code: 'auth_failed' });
    expect(fake.attempts).toBe(1);
  });

  it('without insecureTls the self-signed fake is refused (TLS is real)', async () => {
    fake = await startCartesiaFake();
    const strict = new CartesiaTts({ apiKey: fake.apiKey, baseUrl: fake.url });
    const opts = { sampleRate: 8000, voice: 'v', language: 'en', signal: new AbortController().signal };
    await expect(strict.connect(opts)).rejects.toMatchObject({ code: 'connect_failed' });
  });
});
