/**
 * G.711 μ-law (PCMU) and A-law (PCMA), table-driven. The segment arithmetic follows the public
 * domain Sun Microsystems reference (g711.c); input is rounded (not truncated) to 14/13 bits first,
 * exactly as sox does, so our encodings are bit-identical with sox's (the test checks all inputs).
 */
import type { Pcm16 } from './pcm.js';

const SEG_UEND = [0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff, 0x1fff];
const SEG_AEND = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff];
const ULAW_BIAS = 0x84;
const ULAW_CLIP = 8159;

function segment(value: number, ends: readonly number[]): number {
  for (let i = 0; i < ends.length; i++) if (value <= ends[i]!) return i;
  return ends.length;
}

/** One sample → μ-law byte (reference algorithm; the tables below are built from it). */
export function linearToUlaw(sample: number): number {
  // Round to 14 bits (as sox does) instead of truncating: halves the error at decision boundaries.
  let pcm = Math.min(8191, (sample + 2) >> 2);
  let mask: number;
  if (pcm < 0) {
    pcm = -pcm;
    mask = 0x7f;
  } else {
    mask = 0xff;
  }
  if (pcm > ULAW_CLIP) pcm = ULAW_CLIP;
  pcm += ULAW_BIAS >> 2;
  const seg = segment(pcm, SEG_UEND);
  if (seg >= 8) return 0x7f ^ mask;
  return ((seg << 4) | ((pcm >> (seg + 1)) & 0xf)) ^ mask;
}

export function ulawToLinear(byte: number): number {
  const u = ~byte & 0xff;
  let t = ((u & 0x0f) << 3) + ULAW_BIAS;
  t <<= (u & 0x70) >> 4;
  return u & 0x80 ? ULAW_BIAS - t : t - ULAW_BIAS;
}

/** One sample → A-law byte. */
export function linearToAlaw(sample: number): number {
  let pcm = Math.min(4095, (sample + 4) >> 3);
  let mask: number;
  if (pcm >= 0) {
    mask = 0xd5;
  } else {
    mask = 0x55;
    pcm = -pcm - 1;
  }
  const seg = segment(pcm, SEG_AEND);
  if (seg >= 8) return 0x7f ^ mask;
  let aval = seg << 4;
  aval |= seg < 2 ? (pcm >> 1) & 0x0f : (pcm >> seg) & 0x0f;
  return aval ^ mask;
}

export function alawToLinear(byte: number): number {
  const a = byte ^ 0x55;
  let t = (a & 0x0f) << 4;
  const seg = (a & 0x70) >> 4;
  if (seg === 0) t += 8;
  else if (seg === 1) t += 0x108;
  else t = (t + 0x108) << (seg - 1);
  return a & 0x80 ? t : -t;
}

interface Tables {
  ulawEnc: Uint8Array;
  alawEnc: Uint8Array;
  ulawDec: Int16Array;
  alawDec: Int16Array;
}

let tables: Tables | undefined;

/** Built on first use (256 KB of encode tables + 1 KB of decode tables). */
function getTables(): Tables {
  if (tables) return tables;
  const ulawEnc = new Uint8Array(65536);
  const alawEnc = new Uint8Array(65536);
  for (let i = 0; i < 65536; i++) {
    const s = i - 32768;
    ulawEnc[i] = linearToUlaw(s);
    alawEnc[i] = linearToAlaw(s);
  }
  const ulawDec = new Int16Array(256);
  const alawDec = new Int16Array(256);
  for (let b = 0; b < 256; b++) {
    ulawDec[b] = ulawToLinear(b);
    alawDec[b] = alawToLinear(b);
  }
  tables = { ulawEnc, alawEnc, ulawDec, alawDec };
  return tables;
}

export type G711Law = 'PCMU' | 'PCMA';

/** Encode samples; writes into `out` when given (must be at least pcm.length bytes). */
export function encodeG711(law: G711Law, pcm: Pcm16, out?: Uint8Array): Uint8Array {
  const table = law === 'PCMU' ? getTables().ulawEnc : getTables().alawEnc;
  const dst = out ?? new Uint8Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) dst[i] = table[pcm[i]! + 32768]!;
  return dst;
}

export function decodeG711(law: G711Law, bytes: Uint8Array, out?: Int16Array): Pcm16 {
  const table = law === 'PCMU' ? getTables().ulawDec : getTables().alawDec;
  const dst = out ?? new Int16Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) dst[i] = table[bytes[i]!]!;
  return dst;
}

/** The byte that encodes digital silence (0): 0xFF for μ-law, 0xD5 for A-law. */
export function g711Silence(law: G711Law): number {
  return law === 'PCMU' ? 0xff : 0xd5;
}
