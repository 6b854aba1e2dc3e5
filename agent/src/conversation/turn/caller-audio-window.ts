/**
 * The caller's last seconds of audio, for an audio end-of-turn model: a ring buffer at the call's
 * rate, read out as the model wants it — Smart Turn v3 takes exactly 8 s of 16 kHz mono float audio,
 * the newest sample last, zero-padded at the front when less was heard (pipecat-ai/smart-turn).
 */
import type { Pcm16 } from '../../audio/pcm.js';
import { resample } from '../../audio/resample.js';

export const MODEL_SAMPLE_RATE = 16_000;
export const MODEL_WINDOW_SECONDS = 8;
export const MODEL_WINDOW_SAMPLES = MODEL_SAMPLE_RATE * MODEL_WINDOW_SECONDS;

export class CallerAudioWindow {
  private readonly ring: Int16Array;
  private written = 0;

  constructor(
    readonly sampleRate: number,
    readonly seconds = MODEL_WINDOW_SECONDS,
  ) {
    this.ring = new Int16Array(Math.round(sampleRate * seconds));
  }

  /** Samples held (at most the window). */
  get length(): number {
    return Math.min(this.written, this.ring.length);
  }

  push(pcm: Pcm16): void {
    const n = this.ring.length;
    const src = pcm.length > n ? pcm.subarray(pcm.length - n) : pcm;
    const at = (this.written + (pcm.length - src.length)) % n;
    const first = Math.min(src.length, n - at);
    this.ring.set(src.subarray(0, first), at);
    if (first < src.length) this.ring.set(src.subarray(first), 0);
    this.written += pcm.length;
  }

  /** What is held, oldest first, at the call's rate. */
  samples(): Int16Array {
    const len = this.length;
    const n = this.ring.length;
    const start = (this.written - len) % n;
    const out = new Int16Array(len);
    const first = Math.min(len, n - start);
    out.set(this.ring.subarray(start, start + first));
    if (first < len) out.set(this.ring.subarray(0, len - first), first);
    return out;
  }

  /** The model's input: the last 8 s at 16 kHz as floats in [-1, 1), zero-padded at the front. */
  modelInput(): Float32Array {
    const pcm = resample(this.samples(), this.sampleRate, MODEL_SAMPLE_RATE);
    const out = new Float32Array(MODEL_WINDOW_SAMPLES);
    const take = Math.min(pcm.length, MODEL_WINDOW_SAMPLES);
    const from = pcm.length - take;
    const to = MODEL_WINDOW_SAMPLES - take;
    for (let i = 0; i < take; i++) out[to + i] = pcm[from + i]! / 32768;
    return out;
  }
}
