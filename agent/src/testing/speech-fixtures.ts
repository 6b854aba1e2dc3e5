/**
 * Real speech for tests: espeak-ng synthesises, sox converts to mono 16-bit at the wanted rate and
 * pads with digital silence (both are Debian packages installed by scripts/setup.sh). Files go to
 * os.tmpdir(); nothing is committed. Also silence, white noise and 20 ms framing.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { samplesFor, type Pcm16 } from '../audio/pcm.js';
import { parseWav } from '../audio/wav.js';

export interface SpeechFixture {
  pcm: Pcm16;
  sampleRate: number;
  /** First and last 10 ms window above an energy floor, in ms from the start (an oracle for clean speech). */
  speechStartMs: number;
  speechEndMs: number;
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

/** An espeak-ng voice and speaking rate (words per minute). */
export interface SpeechVoice {
  voice: string;
  wpm: number;
}

const US_ENGLISH: SpeechVoice = { voice: 'en-us', wpm: 160 };
/** espeak-ng's own defaults. */
const ESPEAK_DEFAULT: SpeechVoice = { voice: 'en', wpm: 175 };

/** Synthesise `text`, padded with `padMs` of silence before and after. Needs espeak-ng and sox. */
export function makeSpeech(
  text: string,
  sampleRate: number,
  padMs = 1000,
  voice: SpeechVoice = US_ENGLISH,
): SpeechFixture {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'switchboard-speech-'));
  try {
    const raw = path.join(dir, 'raw.wav');
    const out = path.join(dir, 'out.wav');
    execFileSync('espeak-ng', ['-v', voice.voice, '-s', String(voice.wpm), '-w', raw, text], {
      timeout: 20_000,
    });
    const pad = (padMs / 1000).toFixed(3);
    execFileSync(
      'sox',
      [raw, '-r', String(sampleRate), '-c', '1', '-b', '16', '-e', 'signed-integer', out, 'pad', pad, pad],
      {
        timeout: 20_000,
      },
    );
    const pcm = parseWav(readFileSync(out)).samples;
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

/** Just the speech samples, unpadded, in espeak-ng's default voice. */
export function speechPcm(text: string, sampleRate: number): Pcm16 {
  return makeSpeech(text, sampleRate, 0, ESPEAK_DEFAULT).pcm;
}

export function silencePcm(ms: number, sampleRate: number): Pcm16 {
  return new Int16Array(samplesFor(ms, sampleRate));
}

/** Cut audio into frames of `frameMs` (the last one may be shorter). */
export function framesOf(pcm: Pcm16, sampleRate: number, frameMs = 20): Pcm16[] {
  const size = samplesFor(frameMs, sampleRate);
  const out: Pcm16[] = [];
  for (let at = 0; at < pcm.length; at += size) out.push(pcm.subarray(at, Math.min(pcm.length, at + size)));
  return out;
}
