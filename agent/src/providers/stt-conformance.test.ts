/**
 * Conformance of the Deepgram adapter: the official SDK against the protocol-faithful fake,
 * fed real speech (espeak-ng + sox).
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { concatPcm } from '../audio/pcm.js';
import { startDeepgramFake, type DeepgramFake } from '../testing/fakes/deepgram-fake.js';
import { framesOf, silencePcm, speechPcm } from '../testing/speech-fixtures.js';
import { DeepgramStt } from './deepgram/deepgram-stt.js';
import { ProviderError } from './errors.js';
import { describeSttContract, sttOptions as contractOptions } from '../testing/contracts/stt-contract.js';
import { ScriptedStt } from '../testing/memory-providers.js';
import type { SttEvent, SttOptions, SttStream } from './types.js';

const RATE = 8000;
const TEXT = 'Hello, I would like to book a table for two.';
let speech: Int16Array;

beforeAll(() => {
  speech = speechPcm('hello I would like to book a table for two', RATE);
});

let fake: DeepgramFake | undefined;
const streams: SttStream[] = [];

afterEach(async () => {
  for (const s of streams.splice(0)) s.close();
  await fake?.close();
  fake = undefined;
});

function sttOptions(signal = new AbortController().signal, sampleRate = RATE): SttOptions {
  return { sampleRate, language: 'en', model: 'nova-3', endpointingMs: 300, utteranceEndMs: 1000, signal };
}

async function connect(f: DeepgramFake, options = sttOptions(), apiKey: string | undefined = f.apiKey) {
  const stt = new DeepgramStt({ apiKey, baseUrl: f.url, connectTimeoutMs: 2000 });
  const stream = await stt.connect(options);
  streams.push(stream);
  return stream;
}

/** Consume a stream in the background; `events` fills as they arrive, `ended` settles at the end. */
function consume(stream: SttStream) {
  const events: SttEvent[] = [];
  const ended = (async () => {
    for await (const e of stream) events.push(e);
  })();
  return { events, ended };
}

async function waitFor(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function pushAll(stream: SttStream, pcm: Int16Array, rate = RATE): void {
  for (const frame of framesOf(pcm, rate)) stream.push(frame);
}

describeSttContract('DeepgramStt against the Deepgram fake', async () => {
  const f = await startDeepgramFake({ utterances: [] });
  const stt = new DeepgramStt({ apiKey: f.apiKey, baseUrl: f.url, connectTimeoutMs: 2000 });
  return {
    connect: (signal) => stt.connect(contractOptions(signal)),
    refuse: (status) => (f.script.refuseStatus = status),
    drop: () => f.dropConnections('close'),
    attempts: () => f.attempts,
    close: () => f.close(),
  };
});

describeSttContract("ScriptedStt (the engine tests' double)", () => {
  const stt = new ScriptedStt();
  return Promise.resolve({
    connect: (signal) => stt.connect(contractOptions(signal)),
    refuse: (status) => stt.refuse(status),
    drop: () => stt.breakStream(),
    attempts: () => stt.attempts,
    close: () => Promise.resolve(),
  });
});

describe('DeepgramStt against the Deepgram fake', () => {
  it('sends the listen query with our settings and gets speech_started, interims, a final and utterance_end', async () => {
    fake = await startDeepgramFake({ utterances: [TEXT] });
    const stream = await connect(fake);
    const { events } = consume(stream);
    const audio = concatPcm([silencePcm(300, RATE), speech, silencePcm(800, RATE)]);
    pushAll(stream, audio);
    await waitFor(() => events.some((e) => e.type === 'utterance_end'));

    const q = fake.connections[0]!.query;
    expect(q).toMatchObject({
      model: 'nova-3',
      encoding: 'linear16',
      sample_rate: '8000',
      channels: '1',
      interim_results: 'true',
      endpointing: '300',
      utterance_end_ms: '1000',
      vad_events: 'true',
      smart_format: 'true',
      punctuate: 'true',
    });
    const types = events.map((e) => (e.type === 'transcript' ? (e.isFinal ? 'final' : 'interim') : e.type));
    expect(types[0]).toBe('speech_started');
    expect(types.filter((t) => t === 'interim').length).toBeGreaterThan(0);
    expect(types.slice(-2)).toEqual(['final', 'utterance_end']);
    const final = events.find((e) => e.type === 'transcript' && e.isFinal);
    expect(final).toMatchObject({ text: TEXT, speechFinal: true, fromFinalize: false });
    await waitFor(() => fake!.connections[0]!.samples === audio.length);
    expect(fake.connections[0]!.speechMs).toBeGreaterThan(1000);
  });

  it('works at 16 kHz', async () => {
    fake = await startDeepgramFake({ utterances: [TEXT] });
    const stream = await connect(fake, sttOptions(undefined, 16000));
    const { events } = consume(stream);
    pushAll(stream, concatPcm([speechPcm('good morning', 16000), silencePcm(600, 16000)]), 16000);
    await waitFor(() => events.some((e) => e.type === 'transcript' && e.isFinal));
    expect(fake.connections[0]!.query['sample_rate']).toBe('16000');
  });

  it('finalize() gets a from_finalize final for speech still in progress', async () => {
    fake = await startDeepgramFake({ utterances: [TEXT] });
    const stream = await connect(fake);
    const { events } = consume(stream);
    pushAll(stream, concatPcm([silencePcm(200, RATE), speech]));
    await waitFor(() => fake!.connections[0]!.samples > 0 && events.some((e) => e.type === 'speech_started'));
    stream.finalize();
    await waitFor(() => events.some((e) => e.type === 'transcript' && e.isFinal));
    const final = events.find((e) => e.type === 'transcript' && e.isFinal);
    expect(final).toMatchObject({ text: TEXT, fromFinalize: true });
    expect(fake.connections[0]!.controls).toContain('Finalize');
  });

  it('end() sends CloseStream and the stream finishes without an error', async () => {
    fake = await startDeepgramFake({ utterances: [TEXT] });
    const stream = await connect(fake);
    const { events, ended } = consume(stream);
    pushAll(stream, concatPcm([speech]));
    stream.end();
    await ended;
    expect(fake.connections[0]!.controls).toEqual(['CloseStream']);
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
    // CloseStream flushes what was heard.
    expect(events.some((e) => e.type === 'transcript' && e.isFinal && e.text === TEXT)).toBe(true);
  });

  it('a wrong key is ProviderError auth_failed after one attempt', async () => {
    fake = await startDeepgramFake({ utterances: [] });
    const err = await connect(fake, sttOptions(), 'wrong-key').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ code: 'auth_failed', provider: 'stt', retryable: false });
    await new Promise((r) => setTimeout(r, 1500));
    expect(fake.attempts).toBe(1);
  });

  it('a missing key is auth_failed without touching the network', async () => {
    fake = await startDeepgramFake({ utterances: [] });
    const stt = new DeepgramStt({ apiKey: undefined, baseUrl: fake.url });
    const err = await stt.connect(sttOptions()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ code: 'auth_failed' });
    expect(fake.attempts).toBe(0);
  });

  it('a slow server hits the connect timeout', async () => {
    fake = await startDeepgramFake({ utterances: [], connectDelayMs: 5000 });
    const stt = new DeepgramStt({ apiKey: fake.apiKey, baseUrl: fake.url, connectTimeoutMs: 300 });
    const started = Date.now();
    const err = await stt.connect(sttOptions()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'timeout' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it.each(['close', 'destroy'] as const)(
    'a server drop (%s) mid-call gives one error event and no reconnect storm',
    async (dropMode) => {
      fake = await startDeepgramFake({ utterances: [TEXT, 'second'], dropAfterUtterances: 1, dropMode });
      const stream = await connect(fake);
      const { events, ended } = consume(stream);
      pushAll(stream, concatPcm([speech, silencePcm(600, RATE)]));
      await ended;
      const errors = events.filter((e) => e.type === 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ error: { retryable: true } });
      expect(['closed', 'connect_failed']).toContain(errors[0]!.type === 'error' && errors[0]!.error.code);
      expect(events.some((e) => e.type === 'transcript' && e.isFinal && e.text === TEXT)).toBe(true);
      await new Promise((r) => setTimeout(r, 1500));
      expect(fake.attempts).toBe(1);
      stream.push(speech.subarray(0, 160)); // pushing after the drop is a no-op, not a throw
    },
  );

  it('close() is immediate and idempotent; abort closes too', async () => {
    fake = await startDeepgramFake({ utterances: [TEXT] });
    const stream = await connect(fake);
    const { ended } = consume(stream);
    stream.close();
    stream.close();
    await ended;
    const ac = new AbortController();
    const second = await connect(fake, sttOptions(ac.signal));
    const c2 = consume(second);
    ac.abort();
    await c2.ended;
    await waitFor(() => fake!.connections.every((c) => c.closed));
  });

  it('sends KeepAlive when no audio flows', async () => {
    fake = await startDeepgramFake({ utterances: [] });
    const stt = new DeepgramStt({ apiKey: fake.apiKey, baseUrl: fake.url, keepAliveMs: 100 });
    const stream = await stt.connect(sttOptions());
    streams.push(stream);
    await waitFor(() => fake!.connections[0]!.controls.filter((c) => c === 'KeepAlive').length >= 2, 2000);
  });
});
