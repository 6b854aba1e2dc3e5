import { describe, expect, it } from 'vitest';
import { CallerAudioWindow, MODEL_WINDOW_SAMPLES } from './caller-audio-window.js';

describe('CallerAudioWindow', () => {
  it('keeps the last 8 s at the call rate across wrap-around', () => {
    const w = new CallerAudioWindow(8000);
    const frame = new Int16Array(160);
    for (let i = 0; i < 500; i++) w.push(frame.fill(i)); // 10 s of frames valued 0..499
    const s = w.samples();
    expect(s.length).toBe(64_000);
    expect(s[0]).toBe(100); // 2 s dropped: frames 0..99
    expect(s.at(-1)).toBe(499);
  });

  it('gives the model 8 s at 16 kHz, newest last, zero-padded at the front, as floats', () => {
    const w = new CallerAudioWindow(8000);
    w.push(new Int16Array(8000).fill(16384)); // 1 s at half scale
    const input = w.modelInput();
    expect(input.length).toBe(MODEL_WINDOW_SAMPLES);
    expect(input[0]).toBe(0);
    expect(input[MODEL_WINDOW_SAMPLES - 16_001]).toBe(0);
    expect(input[MODEL_WINDOW_SAMPLES - 16_000]).toBeCloseTo(0.5, 3);
    expect(input[MODEL_WINDOW_SAMPLES - 1]).toBeCloseTo(0.5, 3);
  });

  it('upsamples 8 kHz to 16 kHz by interpolation (a ramp stays a ramp)', () => {
    const w = new CallerAudioWindow(8000);
    w.push(Int16Array.from({ length: 100 }, (_, i) => i * 100));
    const input = w.modelInput().subarray(MODEL_WINDOW_SAMPLES - 200);
    expect(input[0]! * 32768).toBeCloseTo(0, 0);
    expect(input[1]! * 32768).toBeCloseTo(50, 0);
    expect(input[2]! * 32768).toBeCloseTo(100, 0);
  });
});
