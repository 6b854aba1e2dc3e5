/** Conformance of the Cartesia adapter: the official SDK (CJS build) against the TLS fake. */
import { afterEach, describe, expect, it } from 'vitest';
import { concatPcm, rms } from '../audio/pcm.js';
import {
  startCartesiaFake,
  type CartesiaFake,
  type CartesiaFakeScript,
} from '../testing/fakes/cartesia-fake.js';
import { CartesiaTts, type CartesiaTtsConfig } from './cartesia/cartesia-tts.js';
import { ProviderError } from './errors.js';
import type { TtsConnection, TtsEvent, TtsUtterance } from './types.js';

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

describe('CartesiaTts against the Cartesia fake', () => {
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

  it('cancel() stops the audio and tells the server', async () => {
    const conn = await connect({ speed: 2 });
    const u = conn.utterance();
    u.pushText(
      'This is a rather long sentence that would take many seconds to speak out loud in full. '.repeat(3),
    );
    const events: TtsEvent[] = [];
    for await (const e of u) {
      events.push(e);
      if (events.length === 2) u.cancel();
    }
    expect(events).toHaveLength(2);
    await fake!.waitFor(() => fake!.contexts[0]!.cancelled);
    const sent = fake!.contexts[0]!.chunksSent;
    await new Promise((r) => setTimeout(r, 200));
    expect(fake!.contexts[0]!.chunksSent).toBe(sent);
    expect(fake!.contexts[0]!.done).toBe(false);
    u.cancel(); // idempotent
  });

  it('runs two utterances one after the other on one connection', async () => {
    const conn = await connect();
    for (const text of ['First reply.', 'Second reply, a little longer.']) {
      const u = conn.utterance();
      const done = collect(u);
      u.pushText(text);
      u.end();
      const events = await done;
      expect(audioOf(events).length).toBeGreaterThan(0);
      expect(events.at(-1)).toEqual({ type: 'done' });
    }
    expect(fake!.connectionCount).toBe(1);
    expect(fake!.contexts.map((c) => c.texts[0])).toEqual(['First reply.', 'Second reply, a little longer.']);
    expect(new Set(fake!.contexts.map((c) => c.id)).size).toBe(2);
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

  it('a server error for the context is a retryable ProviderError from the iterator', async () => {
    const conn = await connect({ errorOnContext: { index: 0, status: 500 } });
    const u = conn.utterance();
    u.pushText('Hello.');
    u.end();
    await expect(collect(u)).rejects.toMatchObject({ code: 'server_error', retryable: true });
  });

  it('a socket drop mid-utterance fails it with closed; later utterances fail fast; no re-dial', async () => {
    const conn = await connect({ closeAfterChunks: 3 });
    const u = conn.utterance();
    u.pushText('A sentence long enough to need more than three chunks of audio.');
    await expect(collect(u)).rejects.toMatchObject({ code: 'closed', retryable: true });
    const next = conn.utterance();
    next.pushText('Anyone there?');
    await expect(collect(next)).rejects.toMatchObject({ code: 'closed' });
    expect(fake!.attempts).toBe(1);
  });

  it('a server that stops sending mid-utterance hits the receive timeout', async () => {
    const conn = await connect({ stallAfterChunks: 2 }, 8000, { receiveTimeoutMs: 300 });
    const u = conn.utterance();
    u.pushText('Words that will never all arrive.');
    u.end();
    const t0 = Date.now();
    await expect(collect(u)).rejects.toMatchObject({ code: 'timeout', retryable: true });
    expect(Date.now() - t0).toBeLessThan(2000);
    await fake!.waitFor(() => fake!.contexts[0]!.cancelled);
  });

  it('close() ends open utterances and is idempotent', async () => {
    const conn = await connect();
    const u = conn.utterance();
    u.pushText('Some words to say.');
    const done = collect(u);
    conn.close();
    conn.close();
    await done;
  });
});
