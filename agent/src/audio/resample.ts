/**
 * Small sample-rate converter for mono PCM16: linear interpolation, with a moving-average low-pass
 * before decimation so that downsampling does not fold energy above the new Nyquist back into speech.
 * Good enough for VAD input and tests; not for high-fidelity playback.
 */
import type { Pcm16 } from './pcm.js';

/** Convert one buffer. Stateless: each call treats its input as a whole signal (frame edges are linear). */
export function resample(pcm: Pcm16, fromRate: number, toRate: number): Pcm16 {
  if (fromRate === toRate || pcm.length === 0) return pcm;
  const source = toRate < fromRate ? lowPass(pcm, Math.round(fromRate / toRate)) : pcm;
  const outLength = Math.max(1, Math.round((pcm.length * toRate) / fromRate));
  const out = new Int16Array(outLength);
  const step = fromRate / toRate;
  for (let i = 0; i < outLength; i++) {
    const pos = i * step;
    const i0 = Math.floor(pos);
    const frac = pos - i0;
    const a = source[Math.min(i0, source.length - 1)]!;
    const b = source[Math.min(i0 + 1, source.length - 1)]!;
    out[i] = Math.round(a + (b - a) * frac);
  }
  return out;
}

/** Centered moving average over `width` samples (width 1 = unchanged). */
function lowPass(pcm: Pcm16, width: number): Pcm16 {
  if (width <= 1) return pcm;
  const out = new Int16Array(pcm.length);
  const half = Math.floor(width / 2);
  for (let i = 0; i < pcm.length; i++) {
    let sum = 0;
    let n = 0;
    for (let k = i - half; k <= i - half + width - 1; k++) {
      if (k >= 0 && k < pcm.length) {
        sum += pcm[k]!;
        n++;
      }
    }
    out[i] = Math.round(sum / n);
  }
  return out;
}
