/**
 * The audio end-of-turn model path on small ONNX models written by the tests themselves (the real
 * Smart Turn weights cannot be fetched here): loading, the signature check, 8 kHz → 16 kHz, the
 * 8 s window, the Whisper front-end, and the start-up errors.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  headEnergyAudioModel,
  meanFeatureModel,
  notAProbabilityModel,
  wrongSignatureModel,
} from '../../testing/onnx-model.js';
import { tone } from '../../testing/memory-providers.js';
import { CallerAudioWindow, MODEL_WINDOW_SAMPLES } from './caller-audio-window.js';
import { loadOnnxTurnModel, TurnModelError } from './onnx-turn-model.js';

const dir = mkdtempSync(join(tmpdir(), 'sb-turn-model-'));
function file(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** `seconds` of a loud tone at 8 kHz, as the caller's window holds it. */
function window8k(seconds: number): CallerAudioWindow {
  const w = new CallerAudioWindow(8000);
  for (let i = 0; i < seconds * 50; i++) w.push(tone(160, 8000, 12_000));
  return w;
}

async function errorOf(path: string): Promise<TurnModelError> {
  const err = await loadOnnxTurnModel(path).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(TurnModelError);
  return err as TurnModelError;
}

describe('ONNX turn model (audio in)', () => {
  it('loads, and sees 8 kHz caller audio resampled to 16 kHz, newest last, zero-padded at the front', async () => {
    const model = await loadOnnxTurnModel(file('head.onnx', headEnergyAudioModel(4)));
    // 2 s of sound: the first 4 s of the 8 s window are padding → "not complete".
    expect(await model.predict(window8k(2).modelInput())).toBeLessThan(0.05);
    // 7 s of sound at 8 kHz fills 7 s of the 16 kHz window, reaching into its first 4 s. Without
    // resampling the 56 000 samples would cover only the last 3.5 s and the answer would stay low.
    expect(await model.predict(window8k(7).modelInput())).toBeGreaterThan(0.95);
    // 12 s: only the last 8 s count, the window is full.
    expect(await model.predict(window8k(12).modelInput())).toBeGreaterThan(0.95);
  });

  it('rejects (never throws synchronously) on input of the wrong length', async () => {
    const model = await loadOnnxTurnModel(file('head2.onnx', headEnergyAudioModel()));
    await expect(model.predict(new Float32Array(16_000))).rejects.toThrow(/128000 samples/);
  });
});

describe('ONNX turn model (Whisper features in, the published smart-turn-v3 signature)', () => {
  it('computes log-mel features from the window and runs the model on them', async () => {
    const model = await loadOnnxTurnModel(file('features.onnx', meanFeatureModel()));
    const silent = await model.predict(new Float32Array(MODEL_WINDOW_SAMPLES));
    expect(silent).toBeCloseTo(1 / (1 + Math.exp(5)), 3); // all features −1.5 on silence
    const spoken = await model.predict(window8k(6).modelInput());
    expect(spoken).toBeGreaterThan(silent + 0.2);
  });
});

describe('ONNX turn model: bad files fail at load with a stable code', () => {
  it.each([
    ['missing', () => join(dir, 'nope.onnx')],
    ['unreadable', () => dir],
    ['invalid_model', () => file('garbage.onnx', new TextEncoder().encode('this is not a model'))],
    ['invalid_model', () => file('empty.onnx', new Uint8Array(0))],
    ['bad_signature', () => file('wrong.onnx', wrongSignatureModel())],
    ['bad_signature', () => file('nap.onnx', notAProbabilityModel())],
  ] as const)('%s', async (code, path) => {
    const err = await errorOf(path());
    expect(err.code).toBe(code);
    expect(err.message).toContain(code === 'unreadable' ? dir : '.onnx');
  });

  it('says what signature it wanted and what it found', async () => {
    const err = await errorOf(file('wrong2.onnx', wrongSignatureModel()));
    expect(err.message).toMatch(/\[batch, 80, 800\].*\[batch, 128000\].*found x float32 \[1, 100\]/);
  });
});
