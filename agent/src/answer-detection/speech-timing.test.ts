import { describe, expect, it } from 'vitest';
import { concatPcm } from '../audio/pcm.js';
import { framesOf, makeSpeech, silencePcm, whiteNoise } from '../testing/speech-fixtures.js';
import { mix } from '../testing/tone-signals.js';
import { SpeechTimingTracker } from './speech-timing.js';

function track(pcm: Int16Array, rate: number): SpeechTimingTracker {
  const tracker = new SpeechTimingTracker();
  let at = 0;
  for (const frame of framesOf(pcm, rate)) {
    tracker.frame(frame, at, 20);
    at += 20;
  }
  return tracker;
}

describe('SpeechTimingTracker', () => {
  it('measures the initial silence, the greeting and the silence after it', () => {
    const rate = 8000;
    const hello = makeSpeech('Hello?', rate, 0);
    const pcm = concatPcm([silencePcm(700, rate), hello.pcm, silencePcm(1000, rate)]);
    const s = track(pcm, rate).snapshot();
    expect(s.initialSilenceMs).toBeGreaterThanOrEqual(680);
    expect(s.initialSilenceMs).toBeLessThanOrEqual(700 + hello.speechStartMs + 40);
    expect(s.segments).toBe(1);
    expect(s.speaking).toBe(false);
    expect(Math.abs(s.voicedMs - (hello.speechEndMs - hello.speechStartMs))).toBeLessThanOrEqual(80);
    expect(Math.abs(s.lastSpeechEndMs! - (700 + hello.speechEndMs))).toBeLessThanOrEqual(40);
    expect(s.silenceAfterSpeechMs).toBe(s.elapsedMs - s.lastSpeechEndMs!);
  });

  it('counts separate phrases and reports speech still going on', () => {
    const rate = 16000;
    const a = makeSpeech('Hello?', rate, 0).pcm;
    const b = makeSpeech('Is anyone there?', rate, 0).pcm;
    const t = track(concatPcm([a, silencePcm(400, rate), b.subarray(0, b.length / 2)]), rate);
    const s = t.snapshot();
    expect(s.segments).toBeGreaterThanOrEqual(2);
    expect(s.speaking).toBe(true);
    expect(s.lastSpeechEndMs).toBeUndefined();
    expect(s.silenceAfterSpeechMs).toBe(0);
  });

  it('does not take steady background noise for speech, but finds speech in it', () => {
    const rate = 8000;
    const speech = makeSpeech('Hello, this is Dana.', rate, 0).pcm;
    const clean = concatPcm([silencePcm(1500, rate), speech, silencePcm(1500, rate)]);
    const noisy = mix(clean, whiteNoise((clean.length * 1000) / rate, rate, 400, 5));
    const quietOnly = track(whiteNoise(3000, rate, 400, 9), rate).snapshot();
    expect(quietOnly.segments).toBe(0);
    expect(quietOnly.initialSilenceMs).toBe(3000);
    const s = track(noisy, rate).snapshot();
    expect(s.segments).toBeGreaterThanOrEqual(1);
    expect(s.initialSilenceMs).toBeGreaterThanOrEqual(1400);
    expect(s.silenceAfterSpeechMs).toBeGreaterThanOrEqual(1300);
  });
});
