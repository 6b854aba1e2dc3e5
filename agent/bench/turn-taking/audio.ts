/**
 * The caller's sounds for the turn-taking benchmark: speech from espeak-ng (en-us, 160 wpm) through
 * sox at 8 kHz (fixtures.ts, cached), and noises synthesised by sox — a cough (a short pink-noise
 * burst with a fast attack) and a door (a sharper white-noise click). Deterministic for the same
 * tool versions.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readWavFile } from '../../src/audio/wav.js';
import { framesFromPcm, renderUtterance, type Utterance } from '../fixtures.js';
import type { CallScript } from './scenarios.js';

const run = promisify(execFile);
const CACHE = join(tmpdir(), 'switchboard-bench-fixtures');

const NOISES: Record<'cough' | 'door', string[]> = {
  cough: ['synth', '0.28', 'pinknoise', 'fade', 'q', '0.01', '0.28', '0.16', 'vol', '0.7'],
  door: ['synth', '0.14', 'whitenoise', 'fade', 'q', '0.002', '0.14', '0.11', 'vol', '0.9'],
};

async function renderNoise(kind: 'cough' | 'door'): Promise<Utterance> {
  mkdirSync(CACHE, { recursive: true });
  const out = join(CACHE, `noise-${kind}-8k.wav`);
  if (!existsSync(out)) await run('sox', ['-n', '-r', '8000', '-b', '16', '-c', '1', out, ...NOISES[kind]]);
  const wav = await readWavFile(out);
  return framesFromPcm(kind, wav.samples);
}

export interface CallAudio {
  turn: Utterance[];
  overlap?: Utterance;
}

export async function renderCall(call: CallScript): Promise<CallAudio> {
  const turn = await Promise.all(call.turn.map((s) => renderUtterance(s.said, CACHE)));
  const o = call.overlap;
  if (!o) return { turn };
  const overlap =
    o.kind === 'cough' || o.kind === 'door'
      ? await renderNoise(o.kind)
      : await renderUtterance(o.said!, CACHE);
  return { turn, overlap };
}

/** Milliseconds of unvoiced frames before the first voiced one. */
export function leadingSilenceMs(u: Utterance): number {
  const first = u.voiced.indexOf(true);
  return (first < 0 ? u.voiced.length : first) * 20;
}
