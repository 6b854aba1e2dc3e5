import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Fft, RealFft } from './fft.js';
import { N_FRAMES, N_MELS, whisperLogMel } from './whisper-features.js';

/** The same signal as testdata/whisper-reference.py: 440 Hz over 2–5 s, 1500 Hz over 4–7.5 s. */
function testSignal(): Float32Array {
  const out = new Float32Array(128_000);
  for (let i = 0; i < out.length; i++) {
    const t = i / 16_000;
    let v = 0;
    if (t >= 2 && t < 5) v += 0.3 * Math.sin(2 * Math.PI * 440 * t);
    if (t >= 4 && t < 7.5) v += 0.2 * Math.sin(2 * Math.PI * 1500 * t);
    out[i] = v;
  }
  return out;
}

const reference = JSON.parse(
  readFileSync(new URL('./testdata/whisper-reference.json', import.meta.url), 'utf8'),
) as { shape: number[]; frames: Record<string, number[]>; mean: number };

describe('Fft', () => {
  it.each([400, 8, 45, 1])('matches a direct DFT for n = %i', (n) => {
    const x = Array.from({ length: n }, (_, i) => Math.sin(i * 1.7) + ((i * 7919) % 13) / 13);
    const fft = new Fft(n);
    fft.real(x);
    for (let k = 0; k < n; k++) {
      let re = 0;
      let im = 0;
      for (let i = 0; i < n; i++) {
        re += x[i]! * Math.cos((2 * Math.PI * k * i) / n);
        im -= x[i]! * Math.sin((2 * Math.PI * k * i) / n);
      }
      expect(fft.re[k]).toBeCloseTo(re, 8);
      expect(fft.im[k]).toBeCloseTo(im, 8);
    }
  });
});

describe('RealFft', () => {
  it('gives bins 0..n/2 of the full FFT', () => {
    const x = Array.from({ length: 400 }, (_, i) => Math.cos(i * 0.3) * ((i % 7) - 3));
    const full = new Fft(400);
    full.real(x);
    const half = new RealFft(400);
    half.transform(x);
    for (let k = 0; k <= 200; k++) {
      expect(half.re[k]).toBeCloseTo(full.re[k]!, 8);
      expect(half.im[k]).toBeCloseTo(full.im[k]!, 8);
    }
  });
});

describe('whisperLogMel', () => {
  it('matches the numpy reference on a two-tone signal (80 × 800, within 1e-3)', () => {
    const f = whisperLogMel(testSignal());
    expect([N_MELS, N_FRAMES]).toEqual(reference.shape);
    for (const [frame, column] of Object.entries(reference.frames)) {
      const t = Number(frame);
      column.forEach((want, m) => expect(Math.abs(f[m * N_FRAMES + t]! - want)).toBeLessThan(1e-3));
    }
    const mean = f.reduce((a, b) => a + b, 0) / f.length;
    expect(mean).toBeCloseTo(reference.mean, 4);
  });

  it('puts a 440 Hz tone in the mel band around 440 Hz', () => {
    const f = whisperLogMel(testSignal());
    const column = Array.from({ length: N_MELS }, (_, m) => f[m * N_FRAMES + 250]!);
    const peak = column.indexOf(Math.max(...column));
    // Slaney mels: linear below 1 kHz, 200/3 Hz per mel; 80 bands over 0–45.25 mel.
    expect(peak).toBeGreaterThanOrEqual(10);
    expect(peak).toBeLessThanOrEqual(13);
  });
});
