/**
 * Single-frequency power by the Goertzel recurrence, and a scan for the strongest pure tone in a
 * frame. Asterisk's DSP (main/dsp.c) detects DTMF and call-progress tones the same way: a Goertzel
 * filter per frequency of interest, compared with the frame's total energy. Pure functions.
 */
import type { Pcm16 } from '../audio/pcm.js';

/** |X(f)|² of `pcm` at `hz`, for a frame of `pcm.length` samples at `sampleRate`. */
export function goertzelPower(pcm: Pcm16, sampleRate: number, hz: number): number {
  const coeff = 2 * Math.cos((2 * Math.PI * hz) / sampleRate);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < pcm.length; i++) {
    const s0 = pcm[i]! + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - coeff * s1 * s2;
}

/** Σx² of the frame. */
export function frameEnergy(pcm: Pcm16): number {
  let sum = 0;
  for (let i = 0; i < pcm.length; i++) sum += pcm[i]! * pcm[i]!;
  return sum;
}

export interface ToneScan {
  /** Frequency of the strongest bin of the scan, Hz. */
  hz: number;
  /**
   * Share of the frame's energy at that frequency: 1 for a pure sine on the bin (2|X|²/(N·Σx²)),
   * about 0.5 for DTMF (two equal tones), well under 0.5 for voiced speech (many harmonics).
   */
  purity: number;
  /** Frame level in dBFS (-Infinity for digital silence). */
  dbfs: number;
}

export interface ToneScanRange {
  minHz: number;
  maxHz: number;
  stepHz: number;
}

/** The strongest single frequency in `range` and how much of the frame it holds. */
export function scanTone(pcm: Pcm16, sampleRate: number, range: ToneScanRange): ToneScan {
  const energy = frameEnergy(pcm);
  const n = pcm.length;
  const dbfs = energy === 0 ? -Infinity : 20 * Math.log10(Math.sqrt(energy / n) / 32768);
  if (energy === 0 || n === 0) return { hz: 0, purity: 0, dbfs };
  let bestHz = 0;
  let best = 0;
  for (let hz = range.minHz; hz <= range.maxHz; hz += range.stepHz) {
    const p = goertzelPower(pcm, sampleRate, hz);
    if (p > best) {
      best = p;
      bestHz = hz;
    }
  }
  return { hz: bestHz, purity: Math.min(1, (2 * best) / (n * energy)), dbfs };
}
