/**
 * Conformance of the Deepgram adapter in Flux mode: the official SDK's listen.v2 against the fake's
 * /v2/listen, fed real speech (espeak-ng + sox).
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { concatPcm } from '../audio/pcm.js';
import { startDeepgramFake, type DeepgramFake } from '../testing/fakes/deepgram-fake.js';
import { framesOf, silencePcm, speechPcm, whiteNoise } from '../testing/speech-fixtures.js';
import { DeepgramStt } from './deepgram/deepgram-stt.js';
import { ProviderError } from './errors.js';
import type { FluxOptions, SttEvent, SttOptions, SttStream } from './types.js';

const RATE = 8000;
let first: Int16Array;
let second: Int16Array;

beforeAll(() => {
  first = speechPcm('my number is four one five', RATE);
  second = speechPcm('five five five zero one nine nine', RATE);
});

let fake: DeepgramFake | undefined;
const streams: SttStream[] = [];

afterEach(async () => {
  for (const s of streams.splice(0)) s.close();
  await fake?.close();
  fake = undefined;
});

const FLUX: FluxOptions = {
  model: 'flux-general-en',
  eotThreshold: 0.7,
  eagerEotThreshold: 0.5,
  eotTimeoutMs: 5000,
};

function options(flux: FluxOptions = FLUX): SttOptions {
  const signal = new AbortController().signal;
  return { sampleRate: RATE, language: 'en', endpointingMs: 300, utteranceEndMs: 1000, flux, signal };
}

async function connect(f: DeepgramFake, o = options()): Promise<SttStream> {
  const stream = await new DeepgramStt({ apiKey: f.apiKey, baseUrl: f.url, connectTimeoutMs: 2000 }).connect(
    o,
  );
  streams.push(stream);
  return stream;
}

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

function push(stream: SttStream, pcm: Int16Array): void {
  for (const frame of framesOf(pcm, RATE)) stream.push(frame);
}

const turns = (events: SttEvent[]) =>
  events.flatMap((e) => (e.type === 'turn' ? [{ event: e.event, text: e.text, index: e.index }] : []));

describe('DeepgramStt (Flux) against the Deepgram fake', () => {
  it('opens /v2/listen with the Flux query and reports a whole turn: start, updates, eager end, end', async () => {
    fake = await startDeepgramFake({ utterances: ['My number is 415 555 0199.'] });
    const stream = await connect(fake);
    const { events } = consume(stream);
    push(stream, concatPcm([silencePcm(200, RATE), first, silencePcm(600, RATE)]));
    await waitFor(() => turns(events).some((t) => t.event === 'end'));

    const conn = fake.connections[0]!;
    expect(conn.path).toBe('/v2/listen');
    expect(conn.query).toMatchObject({
      model: 'flux-general-en',
      encoding: 'linear16',
      sample_rate: '8000',
      eot_threshold: '0.7',
      eager_eot_threshold: '0.5',
      eot_timeout_ms: '5000',
    });
    expect(conn.sent[0]).toMatchObject({ type: 'Connected', sequence_id: 0 });
    const t = turns(events);
    expect(t[0]!.event).toBe('start');
    expect(t.filter((x) => x.event === 'update').length).toBeGreaterThan(0);
    expect(t.slice(-2).map((x) => x.event)).toEqual(['eager_end', 'end']);
    expect(t.at(-1)!.text).toBe('My number is 415 555 0199.');
    expect(t.at(-2)!.text).toBe(t.at(-1)!.text); // EndOfTurn repeats the EagerEndOfTurn transcript
    const seq = conn.sent.map((m) => m.sequence_id);
    expect(seq).toEqual(seq.map((_, i) => i));
    expect(conn.sent.at(-1)).toMatchObject({ event: 'EndOfTurn', trigger: 'model', turn_index: 0 });
  });

  it('EagerEndOfTurn comes ~150 ms of audio before EndOfTurn at eager 0.5, ~180 ms at 0.3 (published savings, in the fake)', async () => {
    const gaps: number[] = [];
    for (const eager of [0.5, 0.3]) {
      fake = await startDeepgramFake({ utterances: ['Book a table for two.'] });
      const stream = await connect(fake, options({ ...FLUX, eagerEotThreshold: eager }));
      const { events } = consume(stream);
      push(stream, concatPcm([first, silencePcm(600, RATE)]));
      await waitFor(() => turns(events).some((t) => t.event === 'end'));
      const sent = fake.connections[0]!.sent;
      const at = (ev: string) => Number(sent.find((m) => m.event === ev)!.audio_window_end);
      gaps.push(Math.round((at('EndOfTurn') - at('EagerEndOfTurn')) * 1000));
      stream.close();
      await fake.close();
      fake = undefined;
    }
    expect(gaps[0]).toBeGreaterThanOrEqual(140);
    expect(gaps[0]).toBeLessThanOrEqual(160);
    expect(gaps[1]).toBeGreaterThanOrEqual(170);
    expect(gaps[1]).toBeLessThanOrEqual(190);
  });

  it('a pause inside the turn: EagerEndOfTurn, then TurnResumed when speech goes on, then one EndOfTurn', async () => {
    fake = await startDeepgramFake({ utterances: ['My number is 415', '555 0199.'], holds: [0] });
    const stream = await connect(fake);
    const { events } = consume(stream);
    push(stream, concatPcm([first, silencePcm(1200, RATE), second, silencePcm(600, RATE)]));
    await waitFor(() => turns(events).some((t) => t.event === 'end'));
    const states = turns(events).filter((x) => x.event !== 'update');
    expect(states.map((x) => x.event)).toEqual(['start', 'eager_end', 'resumed', 'eager_end', 'end']);
    expect(states[1]!.text).toBe('My number is 415');
    expect(states.at(-1)!.text).toBe('My number is 415 555 0199.');
    expect(states.every((x) => x.index === 0)).toBe(true);
  });

  it('without an eager threshold there are no eager or resumed events; a hold ends only by eot_timeout_ms', async () => {
    fake = await startDeepgramFake({ utterances: ['My number is 415'], holds: [0] });
    const { eagerEotThreshold: _eager, ...noEager } = FLUX;
    const stream = await connect(fake, options({ ...noEager, eotTimeoutMs: 1000 }));
    const { events } = consume(stream);
    push(stream, concatPcm([first, silencePcm(1300, RATE)]));
    await waitFor(() => turns(events).some((t) => t.event === 'end'));
    expect(fake.connections[0]!.query).not.toHaveProperty('eager_eot_threshold');
    expect(turns(events).some((x) => x.event === 'eager_end' || x.event === 'resumed')).toBe(false);
    expect(fake.connections[0]!.sent.at(-1)).toMatchObject({ event: 'EndOfTurn', trigger: 'timeout' });
  });

  it('noise with no words opens no turn; turn_index grows after each EndOfTurn', async () => {
    fake = await startDeepgramFake({ utterances: ['', 'Yes.', 'No.'] });
    const stream = await connect(fake);
    const { events } = consume(stream);
    const gap = silencePcm(700, RATE);
    push(stream, concatPcm([whiteNoise(300, RATE, 6000), gap, first, gap, second, gap]));
    await waitFor(() => turns(events).filter((t) => t.event === 'end').length === 2);
    const ends = turns(events).filter((t) => t.event === 'end');
    expect(ends).toEqual([
      { event: 'end', text: 'Yes.', index: 0 },
      { event: 'end', text: 'No.', index: 1 },
    ]);
  });

  it('finalize() sends nothing (Flux ends turns itself); end() sends CloseStream and finishes cleanly', async () => {
    fake = await startDeepgramFake({ utterances: ['Hello.'] });
    const stream = await connect(fake);
    const { events, ended } = consume(stream);
    push(stream, first);
    stream.finalize();
    stream.end();
    await ended;
    expect(fake.connections[0]!.controls).toEqual(['CloseStream']);
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
  });

  it('a threshold out of range is refused at the handshake: bad_response, not retried', async () => {
    fake = await startDeepgramFake({ utterances: [] });
    const err = await connect(fake, options({ ...FLUX, eotThreshold: 0.4 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ code: 'bad_response', retryable: false });
    await new Promise((r) => setTimeout(r, 500));
    expect(fake.attempts).toBe(1);
  });

  it('a server drop after a turn gives one retryable error event and no reconnect', async () => {
    fake = await startDeepgramFake({ utterances: ['Yes.', 'No.'], dropAfterUtterances: 1 });
    const stream = await connect(fake);
    const { events, ended } = consume(stream);
    push(stream, concatPcm([first, silencePcm(600, RATE)]));
    await ended;
    expect(turns(events).filter((t) => t.event === 'end')).toHaveLength(1);
    const errors = events.filter((e) => e.type === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ error: { provider: 'stt', retryable: true } });
    await new Promise((r) => setTimeout(r, 1000));
    expect(fake.attempts).toBe(1);
  });
});
