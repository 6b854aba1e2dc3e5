/**
 * Speech-like test audio for the TTS fake: a 140 Hz voice with harmonics shaped by vowel formants
 * and a ~4 Hz syllable envelope. Clearly non-silent, deterministic, continuous across chunks.
 */
const F0 = 140;
const FORMANTS = [
  { f: 700, bw: 130 },
  { f: 1220, bw: 170 },
  { f: 2600, bw: 250 },
];
const PEAK = 0.45 * 32767;

export class VowelSynth {
  private readonly harmonics: { w: number; a: number }[] = [];
  private n = 0;

  constructor(private readonly sampleRate: number) {
    const nyquist = sampleRate / 2 - 150;
    let sum = 0;
    for (let k = 1; k * F0 < nyquist; k++) {
      const f = k * F0;
      const a = 0.15 + FORMANTS.reduce((s, fm) => s + Math.exp(-(((f - fm.f) / fm.bw) ** 2)), 0);
      this.harmonics.push({ w: (2 * Math.PI * f) / sampleRate, a });
      sum += a;
    }
    for (const h of this.harmonics) h.a /= sum;
  }

  /** The next `count` samples of the voice. */
  next(count: number): Int16Array {
    const out = new Int16Array(count);
    for (let i = 0; i < count; i++, this.n++) {
      const t = this.n / this.sampleRate;
      const envelope = 0.55 + 0.45 * Math.sin(2 * Math.PI * 4 * t) ** 2;
      let v = 0;
      for (const h of this.harmonics) v += h.a * Math.sin(h.w * this.n);
      out[i] = Math.round(Math.max(-1, Math.min(1, v * 2.2)) * PEAK * envelope);
    }
    return out;
  }
}
