/**
 * Whisper log-mel features, as Smart Turn v3 was trained on them (HF WhisperFeatureExtractor with
 * chunk_length 8, do_normalize; pipecat-ai smart-turn `_whisper_features.py` describes the same
 * math): 8 s of 16 kHz audio → zero-mean unit-variance waveform → reflect-padded 400-point periodic
 * Hann frames every 160 samples → power spectrum → 80 Slaney mel bands (0–8 kHz) → log10 (floor
 * 1e-10) → the last frame dropped → clamped to (max − 8) → (x + 4) / 4. Output [80, 800], row-major.
 */
import { RealFft } from './fft.js';

export const N_MELS = 80;
export const N_FRAMES = 800;
const N_FFT = 400;
const HOP = 160;
const SAMPLE_RATE = 16_000;
const BINS = N_FFT / 2 + 1;
const PAD = N_FFT / 2;

const hzToMel = (f: number): number =>
  f < 1000 ? (3 * f) / 200 : 15 + (Math.log(f / 1000) * 27) / Math.log(6.4);
const melToHz = (m: number): number =>
  m < 15 ? (200 * m) / 3 : 1000 * Math.exp(((m - 15) * Math.log(6.4)) / 27);

interface MelFilter {
  /** First FFT bin with a non-zero weight. */
  from: number;
  weights: Float64Array;
}

/** Slaney-normalised triangular filters over the 201 FFT bins, each kept as its non-zero span. */
function melFilters(): MelFilter[] {
  const lo = hzToMel(0);
  const hi = hzToMel(SAMPLE_RATE / 2);
  const edges = Array.from({ length: N_MELS + 2 }, (_, i) => melToHz(lo + ((hi - lo) * i) / (N_MELS + 1)));
  const fftFreq = (b: number): number => (b * (SAMPLE_RATE / 2)) / (BINS - 1);
  return Array.from({ length: N_MELS }, (_, m) => {
    const w = new Float64Array(BINS);
    const enorm = 2 / (edges[m + 2]! - edges[m]!);
    for (let b = 0; b < BINS; b++) {
      const f = fftFreq(b);
      const down = (f - edges[m]!) / (edges[m + 1]! - edges[m]!);
      const up = (edges[m + 2]! - f) / (edges[m + 2]! - edges[m + 1]!);
      w[b] = Math.max(0, Math.min(down, up)) * enorm;
    }
    let from = 0;
    while (from < BINS - 1 && w[from] === 0) from++;
    let to = BINS;
    while (to > from + 1 && w[to - 1] === 0) to--;
    return { from, weights: w.slice(from, to) };
  });
}

let cached: { fft: RealFft; window: Float64Array; filters: MelFilter[] } | undefined;

function tables() {
  cached ??= {
    fft: new RealFft(N_FFT),
    window: Float64Array.from({ length: N_FFT }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / N_FFT)),
    filters: melFilters(),
  };
  return cached;
}

/** `audio`: 128 000 samples at 16 kHz in [-1, 1]. Returns 80 × 800 floats, mel-major. */
export function whisperLogMel(audio: Float32Array): Float32Array {
  const n = audio.length;
  const { fft, window, filters } = tables();
  let mean = 0;
  for (let i = 0; i < n; i++) mean += audio[i]!;
  mean /= n;
  let variance = 0;
  for (let i = 0; i < n; i++) variance += (audio[i]! - mean) ** 2;
  const scale = 1 / Math.sqrt(variance / n + 1e-7);
  // Reflect-padded, normalised signal.
  const padded = new Float64Array(n + 2 * PAD);
  for (let i = 0; i < n; i++) padded[PAD + i] = (audio[i]! - mean) * scale;
  for (let i = 0; i < PAD; i++) {
    padded[i] = padded[2 * PAD - i]!;
    padded[PAD + n + i] = padded[PAD + n - 2 - i]!;
  }
  const out = new Float32Array(N_MELS * N_FRAMES);
  const frame = new Float64Array(N_FFT);
  const power = new Float64Array(BINS);
  let max = -Infinity;
  for (let t = 0; t < N_FRAMES; t++) {
    for (let i = 0; i < N_FFT; i++) frame[i] = padded[t * HOP + i]! * window[i]!;
    fft.transform(frame);
    for (let b = 0; b < BINS; b++) power[b] = fft.re[b]! ** 2 + fft.im[b]! ** 2;
    for (let m = 0; m < N_MELS; m++) {
      const { from, weights } = filters[m]!;
      let e = 0;
      for (let b = 0; b < weights.length; b++) e += weights[b]! * power[from + b]!;
      const v = Math.log10(Math.max(1e-10, e));
      out[m * N_FRAMES + t] = v;
      if (v > max) max = v;
    }
  }
  const floor = max - 8;
  for (let i = 0; i < out.length; i++) out[i] = (Math.max(out[i]!, floor) + 4) / 4;
  return out;
}
