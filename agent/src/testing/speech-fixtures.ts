/**
 * Real speech for tests: espeak-ng synthesises, sox converts to mono 16-bit at the wanted rate and
 * pads with digital silence. Files go to os.tmpdir(); nothing is committed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Pcm16 } from '../audio/pcm.js';

export interface SpeechFixture {
  pcm: Pcm16;
  sampleRate: number;
  /** First and last 10 ms window above an energy floor, in ms from the start (an oracle for clean speech). */
  speechStartMs: number;
  speechEndMs: number;
}

/** Parse a PCM16 mono WAV (any chunk layout). */
export function readWav(bytes: Buffer): { pcm: Pcm16; sampleRate: number } {
  if (bytes.toString('ascii', 0, 4) !== 'RIFF' || bytes.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error('not a WAV file');
  }
  let at = 12;
  let sampleRate = 0;
  while (at + 8 <= bytes.length) {
    const id = bytes.toString('ascii', at, at + 4);
    const size = bytes.readUInt32LE(at + 4);
    if (id === 'fmt ') sampleRate = bytes.readUInt32LE(at + 12);
    if (id === 'data') {
      const data = Buffer.from(bytes.subarray(at + 8, at + 8 + size));
      return { pcm: new Int16Array(data.buffer, data.byteOffset, Math.floor(data.length / 2)), sampleRate };
    }
    at += 8 + size + (size % 2);
  }
  throw new Error('WAV has no data chunk');
}

export function energyBounds(
  pcm: Pcm16,
  sampleRate: number,
  floor = 300,
): { startMs: number; endMs: number } {
  const win = sampleRate / 100;
  let first = -1;
  let last = -1;
  for (let w = 0; w * win < pcm.length; w++) {
    let sum = 0;
    const end = Math.min(pcm.length, (w + 1) * win);
    for (let i = w * win; i < end; i++) sum += pcm[i]! * pcm[i]!;
    if (Math.sqrt(sum / (end - w * win)) > floor) {
      if (first < 0) first = w;
      last = w;
    }
  }
  return { startMs: first * 10, endMs: (last + 1) * 10 };
}

/** Synthesise `text`, padded with `padMs` of silence before and after. Needs espeak-ng and sox. */
export function makeSpeech(text: string, sampleRate: number, padMs = 1000): SpeechFixture {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'switchboard-speech-'));
  try {
    const raw = path.join(dir, 'raw.wav');
    const out = path.join(dir, 'out.wav');
    execFileSync('espeak-ng', ['-v', 'en-us', '-s', '160', '-w', raw, text], { timeout: 20_000 });
    const pad = (padMs / 1000).toFixed(3);
    execFileSync(
      'sox',
      [raw, '-r', String(sampleRate), '-c', '1', '-b', '16', '-e', 'signed-integer', out, 'pad', pad, pad],
      {
        timeout: 20_000,
      },
    );
    const { pcm } = readWav(readFileSync(out));
    const b = energyBounds(pcm, sampleRate);
    return { pcm, sampleRate, speechStartMs: b.startMs, speechEndMs: b.endMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Deterministic white noise at `level` RMS-ish amplitude. */
export function whiteNoise(ms: number, sampleRate: number, level: number, seed = 1): Pcm16 {
  const out = new Int16Array(Math.round((ms * sampleRate) / 1000));
  let s = seed >>> 0 || 1;
  for (let i = 0; i < out.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = Math.round((((s >>> 0) / 0xffffffff) * 2 - 1) * level * 1.7);
  }
  return out;
}
