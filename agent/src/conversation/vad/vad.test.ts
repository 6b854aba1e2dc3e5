import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../time/clock.js';
import type { Pcm16 } from '../../audio/pcm.js';
import { makeSpeech, whiteNoise, type SpeechFixture } from '../../testing/speech-fixtures.js';
import { createSileroVad } from './silero-vad.js';
import type { Vad, VadEvent, VadFactory } from './vad.js';
import { createWebrtcVad } from './webrtc-vad.js';

const FRAME_MS = 20;

/** Feed `pcm` in 20 ms frames on a manual clock (clock time = audio time), collecting events. */
async function run(factory: VadFactory, pcm: Pcm16, rate: number): Promise<VadEvent[]> {
  const clock = new ManualClock();
  const vad: Vad = factory({ sampleRate: rate, clock });
  const events: VadEvent[] = [];
  const done = (async () => {
    for await (const e of vad) events.push(e);
  })();
  await vad.whenIdle(); // model load
  const n = (rate * FRAME_MS) / 1000;
  for (let i = 0; i < pcm.length; i += n) {
    clock.advance(FRAME_MS);
    vad.push(pcm.subarray(i, i + n));
    await vad.whenIdle();
  }
  await vad.whenIdle();
  await new Promise((r) => setImmediate(r));
  vad.close();
  await done;
  return events;
}

const engines: [string, VadFactory][] = [
  ['webrtc', (o) => createWebrtcVad(o)],
  ['silero', (o) => createSileroVad(o)],
];

describe.each(engines)('%s VAD on real speech', (_name, factory) => {
  const fixtures: Record<number, SpeechFixture> = {
    8000: makeSpeech('Hello, I would like to book a table for two people tomorrow evening.', 8000, 1000),
    16000: makeSpeech('Can you transfer me to the sales department please?', 16000, 800),
  };

  it.each([8000, 16000])('detects speech start and end near the true boundaries at %i Hz', async (rate) => {
    const fx = fixtures[rate]!;
    const events = await run(factory, fx.pcm, rate);
    const starts = events.filter((e) => e.type === 'speech_start');
    const ends = events.filter((e) => e.type === 'speech_end');
    expect(starts.length).toBeGreaterThanOrEqual(1);
    expect(starts.length).toBe(ends.length);
    expect(Math.abs(starts[0]!.at - fx.speechStartMs)).toBeLessThanOrEqual(80);
    expect(starts[0]!.detectedAt - fx.speechStartMs).toBeLessThanOrEqual(250);
    expect(Math.abs(ends.at(-1)!.at - fx.speechEndMs)).toBeLessThanOrEqual(150);
    // Pauses between words are bridged by the hangover: one utterance, at most a couple of segments.
    expect(starts.length).toBeLessThanOrEqual(3);
  });

  it('gives no speech for digital silence', async () => {
    expect(await run(factory, new Int16Array(8000 * 3), 8000)).toEqual([]);
  });

  it('gives no speech for steady low-level line noise', async () => {
    expect(await run(factory, whiteNoise(3000, 8000, 150), 8000)).toEqual([]);
  });
});
