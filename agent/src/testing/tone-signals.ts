/** Synthetic test signals for tone detectors: sines, DTMF, a voiced vowel (speech-fixtures.ts has speech and noise). */
import { samplesFor } from '../audio/pcm.js';

/** A sine of `amplitude` (0..1 of full scale) for `ms`. */
export function sine(hz: number, ms: number, rate: number, amplitude = 0.4): Int16Array {
  const out = new Int16Array(samplesFor(ms, rate));
  for (let i = 0; i < out.length; i++)
    out[i] = Math.round(amplitude * 32767 * Math.sin((2 * Math.PI * hz * i) / rate));
  return out;
}

const DTMF_ROWS = [697, 770, 852, 941];
const DTMF_COLS = [1209, 1336, 1477, 1633];
const DTMF_KEYS = ['123A', '456B', '789C', '*0#D'];

/** The two tones of a DTMF key at equal level (ITU-T Q.23), for `ms`. */
export function dtmf(key: string, ms: number, rate: number, amplitude = 0.25): Int16Array {
  const row = DTMF_KEYS.findIndex((r) => r.includes(key));
  if (row < 0) throw new RangeError(`not a DTMF key: ${key}`);
  const low = sine(DTMF_ROWS[row]!, ms, rate, amplitude);
  const high = sine(DTMF_COLS[DTMF_KEYS[row]!.indexOf(key)]!, ms, rate, amplitude);
  return low.map((v, i) => v + high[i]!);
}

/**
 * A crude voiced vowel: harmonics of a pitch that glides from `f0` by ±10% (speech intonation),
 * shaped by two formant peaks, like the buzz of a voice saying "ah".
 */
export function vowel(f0: number, ms: number, rate: number, amplitude = 0.3): Int16Array {
  const out = new Int16Array(samplesFor(ms, rate));
  const formants = [700, 1200];
  let phase = 0;
  for (let i = 0; i < out.length; i++) {
    const t = i / rate;
    const pitch = f0 * (1 + 0.1 * Math.sin(2 * Math.PI * 3 * t));
    phase += (2 * Math.PI * pitch) / rate;
    let v = 0;
    for (let h = 1; h * f0 < rate / 2 - 200; h++) {
      const f = h * f0;
      const gain = formants.reduce((g, fm) => g + 1 / (1 + ((f - fm) / 150) ** 2), 0) / h ** 0.5;
      v += gain * Math.sin(h * phase);
    }
    out[i] = Math.max(-32768, Math.min(32767, Math.round(v * amplitude * 8000)));
  }
  return out;
}

/** Add `b` onto `a` (same length or shorter), clipping. */
export function mix(a: Int16Array, b: Int16Array): Int16Array {
  return a.map((v, i) => Math.max(-32768, Math.min(32767, v + (b[i] ?? 0))));
}
