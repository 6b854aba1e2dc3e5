import { describe, expect, it } from 'vitest';
import { rms } from './pcm.js';
import { resample } from './resample.js';

function sine(freq: number, rate: number, ms: number, amp = 10000): Int16Array {
  const n = (rate * ms) / 1000;
  return Int16Array.from({ length: n }, (_, i) =>
    Math.round(amp * Math.sin((2 * Math.PI * freq * i) / rate)),
  );
}

describe('resample', () => {
  it('keeps length proportional to the rate and level of in-band tones', () => {
    const up = resample(sine(300, 8000, 100), 8000, 16000);
    expect(up.length).toBe(1600);
    expect(rms(up)).toBeCloseTo(10000 / Math.SQRT2, -2);
    const down = resample(sine(300, 16000, 100), 16000, 8000);
    expect(down.length).toBe(800);
    expect(rms(down)).toBeGreaterThan(6500);
  });
  it('attenuates tones above the new Nyquist when downsampling', () => {
    const down = resample(sine(7000, 16000, 100), 16000, 8000);
    expect(rms(down)).toBeLessThan(10000 / Math.SQRT2 / 2);
  });
  it('returns the input when the rates match', () => {
    const x = sine(300, 8000, 20);
    expect(resample(x, 8000, 8000)).toBe(x);
  });
});
