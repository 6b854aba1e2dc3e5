/**
 * The caller's speech: fixed sentences rendered by espeak-ng (voice en-us, 160 wpm) and converted by
 * sox without dither (-D), so the same espeak-ng/sox versions give byte-identical audio. Each
 * utterance is cut to whole 20 ms PCMU frames and trimmed after its last voiced frame.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { encodeG711 } from '../src/audio/g711.js';
import { readWavFile } from '../src/audio/wav.js';
import { isVoiced } from './voiced.js';

const run = promisify(execFile);

export const FRAME_SAMPLES = 160;

export const CALLER_SENTENCES = [
  'Are you open today?',
  'Book a table, please.',
  'Where is my order?',
  'Is there parking?',
  'Thanks, that is all.',
] as const;

/** Spoken over the agent's reply to test barge-in. */
export const BARGE_SENTENCE = 'Sorry, wait.';

export interface Utterance {
  text: string;
  /** 160-byte PCMU payloads, 20 ms each. */
  frames: Uint8Array[];
  voiced: boolean[];
  durationMs: number;
}

export function framesFromPcm(text: string, samples: Int16Array): Utterance {
  const frames: Uint8Array[] = [];
  const voiced: boolean[] = [];
  for (let at = 0; at + FRAME_SAMPLES <= samples.length; at += FRAME_SAMPLES) {
    const payload = encodeG711('PCMU', samples.subarray(at, at + FRAME_SAMPLES));
    frames.push(payload);
    voiced.push(isVoiced(payload));
  }
  const last = voiced.lastIndexOf(true);
  frames.length = last + 1;
  voiced.length = last + 1;
  return { text, frames, voiced, durationMs: frames.length * 20 };
}

export async function toolVersions(): Promise<Record<string, string>> {
  const espeak = /\d+\.\d+[\w.-]*/.exec((await run('espeak-ng', ['--version'])).stdout)?.[0] ?? 'unknown';
  const sox = /v?\d+\.\d+\.\d+/.exec((await run('sox', ['--version'])).stdout)?.[0] ?? 'unknown';
  return { 'espeak-ng': espeak, sox };
}

/** Render (or reuse from the cache folder) one sentence at 8 kHz. */
export async function renderUtterance(
  text: string,
  cacheDir = join(tmpdir(), 'switchboard-bench-fixtures'),
): Promise<Utterance> {
  mkdirSync(cacheDir, { recursive: true });
  const key = createHash('sha256').update(`en-us|160|${text}`).digest('hex').slice(0, 16);
  const raw = join(cacheDir, `${key}-22k.wav`);
  const out = join(cacheDir, `${key}-8k.wav`);
  if (!existsSync(out)) {
    await run('espeak-ng', ['-v', 'en-us', '-s', '160', '-w', raw, text]);
    await run('sox', ['-D', raw, '-r', '8000', '-c', '1', '-b', '16', out]);
  }
  const wav = await readWavFile(out);
  if (wav.sampleRate !== 8000) throw new Error(`fixture ${out} is ${wav.sampleRate} Hz, expected 8000`);
  return framesFromPcm(text, wav.samples);
}

export interface FixtureSet {
  sentences: Utterance[];
  barge: Utterance;
}

export async function loadFixtures(): Promise<FixtureSet> {
  const sentences = await Promise.all(CALLER_SENTENCES.map((s) => renderUtterance(s)));
  return { sentences, barge: await renderUtterance(BARGE_SENTENCE) };
}
