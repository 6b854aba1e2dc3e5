import { describe, expect, it } from 'vitest';
import { concatPcm } from '../audio/pcm.js';
import { framesOf, makeSpeech, silencePcm, whiteNoise } from '../testing/speech-fixtures.js';
import { dtmf, mix, sine, vowel } from '../testing/tone-signals.js';
import { BeepDetector, type Beep } from './beep-detector.js';
import { scanTone } from './goertzel.js';

function beepsIn(pcm: Int16Array, rate: 8000 | 16000): Beep[] {
  const detector = new BeepDetector({ sampleRate: rate });
  const found: Beep[] = [];
  let at = 0;
  for (const frame of framesOf(pcm, rate)) {
    const beep = detector.frame(frame, at);
    if (beep) found.push(beep);
    at += (frame.length * 1000) / rate;
  }
  const last = detector.flush();
  if (last) found.push(last);
  return found;
}

describe('scanTone', () => {
  it('finds a pure sine and gives it nearly all the energy', () => {
    const s = scanTone(sine(1000, 20, 8000), 8000, { minHz: 350, maxHz: 2000, stepHz: 20 });
    expect(Math.abs(s.hz - 1000)).toBeLessThanOrEqual(10);
    expect(s.purity).toBeGreaterThan(0.85);
  });

  it('gives a DTMF key at most about half the energy in one bin', () => {
    const s = scanTone(dtmf('5', 20, 8000), 8000, { minHz: 350, maxHz: 2000, stepHz: 20 });
    expect(s.purity).toBeLessThan(0.6);
  });

  it('reports digital silence as -Infinity dBFS with no tone', () => {
    const s = scanTone(silencePcm(20, 8000), 8000, { minHz: 350, maxHz: 2000, stepHz: 20 });
    expect(s).toEqual({ hz: 0, purity: 0, dbfs: -Infinity });
  });
});

describe('BeepDetector on synthetic tones', () => {
  for (const rate of [8000, 16000] as const) {
    for (const [hz, ms] of [
      [400, 200],
      [440, 1000],
      [1000, 500],
      [1390, 300],
      [1900, 1500],
    ] as const) {
      it(`hears a ${ms} ms beep at ${hz} Hz (${rate / 1000} kHz) and reports when it ends`, () => {
        const pcm = concatPcm([silencePcm(500, rate), sine(hz, ms, rate), silencePcm(500, rate)]);
        const beeps = beepsIn(pcm, rate);
        expect(beeps).toHaveLength(1);
        expect(Math.abs(beeps[0]!.hz - hz)).toBeLessThanOrEqual(20);
        expect(beeps[0]!.startMs).toBeCloseTo(500, -2);
        expect(Math.abs(beeps[0]!.endMs - (500 + ms))).toBeLessThanOrEqual(20);
      });
    }
  }

  it('hears a beep under pink-ish noise 25 dB down and right after speech', () => {
    const rate = 8000;
    const speech = makeSpeech('Please leave a message after the tone.', rate, 200).pcm;
    const clean = concatPcm([
      speech,
      silencePcm(400, rate),
      sine(1000, 400, rate, 0.3),
      silencePcm(600, rate),
    ]);
    const noisy = mix(clean, whiteNoise((clean.length * 1000) / rate, rate, 500, 7));
    const beeps = beepsIn(noisy, rate);
    expect(beeps).toHaveLength(1);
    expect(beeps[0]!.hz).toBeCloseTo(1000, -2);
  });

  it('ignores tones that are too short (a click, a 100 ms blip) or too long (a 3 s carrier)', () => {
    const rate = 8000;
    const pcm = concatPcm([
      sine(1000, 100, rate),
      silencePcm(500, rate),
      sine(800, 3000, rate),
      silencePcm(500, rate),
    ]);
    expect(beepsIn(pcm, rate)).toEqual([]);
  });

  it('ignores tones outside the band (a 150 Hz hum, a 2600 Hz tone)', () => {
    const rate = 8000;
    const pcm = concatPcm([
      sine(150, 600, rate),
      silencePcm(300, rate),
      sine(2600, 600, rate),
      silencePcm(300, rate),
    ]);
    expect(beepsIn(pcm, rate)).toEqual([]);
  });
});

describe('BeepDetector does not fire on speech or DTMF', () => {
  it('stays quiet on every DTMF key, short presses and long ones', () => {
    for (const rate of [8000, 16000] as const) {
      for (const key of '0123456789*#ABCD') {
        const pcm = concatPcm([
          dtmf(key, 100, rate),
          silencePcm(100, rate),
          dtmf(key, 1000, rate),
          silencePcm(300, rate),
        ]);
        expect(beepsIn(pcm, rate), `key ${key} at ${rate}`).toEqual([]);
      }
    }
  });

  it('stays quiet on sustained vowels with natural pitch movement (low and high voices)', () => {
    for (const f0 of [95, 120, 180, 230]) {
      const pcm = concatPcm([vowel(f0, 1200, 8000), silencePcm(200, 8000)]);
      expect(beepsIn(pcm, 8000), `f0 ${f0}`).toEqual([]);
    }
  });

  it('stays quiet on real synthetic speech in several voices and rates, clean and in noise', () => {
    const texts = [
      "Hi, you've reached Dana. I can't come to the phone right now.",
      'Hello? Hello, who is this? Yes, I am here, go ahead.',
      'Thank you for calling. For sales, press one. For support, press two.',
      'Ooooh nooo, wheeee, aaaah, mmmmm, hmmmm, laaaaa.',
    ];
    const voices = [
      { voice: 'en-us', wpm: 120 },
      { voice: 'en-us+f3', wpm: 170 },
      { voice: 'en-gb+f2', wpm: 150 },
    ];
    for (const rate of [8000, 16000] as const) {
      for (const text of texts) {
        for (const v of voices) {
          const pcm = makeSpeech(text, rate, 100, v).pcm;
          expect(beepsIn(pcm, rate), `${v.voice} ${rate}: ${text}`).toEqual([]);
          const noisy = mix(pcm, whiteNoise((pcm.length * 1000) / rate, rate, 300, 3));
          expect(beepsIn(noisy, rate), `noisy ${v.voice} ${rate}: ${text}`).toEqual([]);
        }
      }
    }
  });

  it('rejects audio at other sample rates with a clear error', () => {
    expect(() => new BeepDetector({ sampleRate: 48000 })).toThrow(/8000 or 16000/);
  });
});
