/** Raw audio in the process is mono 16-bit signed PCM held in an Int16Array. */
export type Pcm16 = Int16Array;

export type SampleRate = 8000 | 16000 | 24000 | 48000;

export const BYTES_PER_SAMPLE = 2;

/** Samples in `ms` milliseconds of audio at `rate`. */
export function samplesFor(ms: number, rate: number): number {
  return Math.round((ms * rate) / 1000);
}

/** Duration in ms of `samples` at `rate`. */
export function durationMs(samples: number, rate: number): number {
  return (samples * 1000) / rate;
}

/**
 * View (or copy, when unaligned) little-endian bytes as samples.
 * Node Buffers from sockets are often at odd offsets inside a pool, which Int16Array cannot view.
 */
export function pcmFromBytes(bytes: Uint8Array): Pcm16 {
  if (bytes.byteLength % 2 !== 0)
    throw new RangeError(`PCM16 needs an even byte count, got ${bytes.byteLength}`);
  if (bytes.byteOffset % 2 === 0) return new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Int16Array(copy.buffer);
}

/** Little-endian bytes of the samples, without copying. */
export function bytesFromPcm(pcm: Pcm16): Buffer {
  return Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
}

/** Root mean square level of the samples, 0..32768. */
export function rms(pcm: Pcm16): number {
  if (pcm.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < pcm.length; i++) {
    const s = pcm[i]!;
    sum += s * s;
  }
  return Math.sqrt(sum / pcm.length);
}

/** Level in dBFS (full scale = 0 dB); silence gives -Infinity. */
export function dbfs(pcm: Pcm16): number {
  return 20 * Math.log10(rms(pcm) / 32768);
}

export function concatPcm(parts: readonly Pcm16[]): Pcm16 {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Int16Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
