/**
 * Real speech for tests: espeak-ng synthesises, sox converts to raw 16-bit mono at the wanted rate
 * (both are Debian packages installed by scripts/setup.sh). Also silence and 20 ms framing.
 */
import { execFileSync } from 'node:child_process';
import { pcmFromBytes, samplesFor } from '../../audio/pcm.js';

export function speechPcm(text: string, sampleRate: number): Int16Array {
  const wav = execFileSync('espeak-ng', ['--stdout', text], { timeout: 10_000, maxBuffer: 64 << 20 });
  const raw = execFileSync(
    'sox',
    ['-t', 'wav', '-', '-t', 'raw', '-r', String(sampleRate), '-e', 'signed', '-b', '16', '-c', '1', '-'],
    { input: wav, timeout: 10_000, maxBuffer: 64 << 20 },
  );
  return Int16Array.from(pcmFromBytes(raw));
}

export function silencePcm(ms: number, sampleRate: number): Int16Array {
  return new Int16Array(samplesFor(ms, sampleRate));
}

/** Cut audio into frames of `frameMs` (the last one may be shorter). */
export function framesOf(pcm: Int16Array, sampleRate: number, frameMs = 20): Int16Array[] {
  const size = samplesFor(frameMs, sampleRate);
  const out: Int16Array[] = [];
  for (let at = 0; at < pcm.length; at += size) out.push(pcm.subarray(at, Math.min(pcm.length, at + size)));
  return out;
}
