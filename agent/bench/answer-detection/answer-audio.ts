/**
 * Renders the answer-detection set: each spoken part by espeak-ng (voice, speed), resampled by sox
 * without dither (-D) to the recording's rate; beeps (`synth sine`) and pink noise (`synth
 * pinknoise`, repeatable with -R) by sox; the pieces are laid end to end and the noise mixed in
 * here. Cached in the OS temp folder by a hash of the recording's description.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { samplesFor } from '../../src/audio/pcm.js';
import { readWavFile } from '../../src/audio/wav.js';
import type { AnswerRecording } from './answer-set.js';

const run = promisify(execFile);
const CACHE = join(tmpdir(), 'switchboard-answer-set');

/** Where each spoken part sits in the recording (samples), for the transcript stand-in. */
export interface SpokenPart {
  text: string;
  startSample: number;
  samples: Int16Array;
}

export interface RenderedRecording {
  recording: AnswerRecording;
  pcm: Int16Array;
  parts: SpokenPart[];
  /** Beep position in ms of audio, when the recording has one. */
  beep?: { startMs: number; endMs: number };
}

function key(...parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
}

async function cached(name: string, make: (out: string) => Promise<unknown>): Promise<Int16Array> {
  mkdirSync(CACHE, { recursive: true });
  const out = join(CACHE, name);
  if (!existsSync(out)) await make(out);
  return (await readWavFile(out)).samples;
}

async function speech(text: string, r: AnswerRecording): Promise<Int16Array> {
  const id = key('speech', text, r.voice, r.speed, r.rate);
  return cached(`${id}.wav`, async (out) => {
    const raw = join(CACHE, `${id}-raw.wav`);
    await run('espeak-ng', ['-v', r.voice, '-s', String(r.speed), '-w', raw, text]);
    await run('sox', ['-D', raw, '-r', String(r.rate), '-c', '1', '-b', '16', out]);
  });
}

function sox(rate: number, seconds: number, ...effect: string[]) {
  return (out: string) =>
    run('sox', [
      '-R',
      '-n',
      '-r',
      String(rate),
      '-c',
      '1',
      '-b',
      '16',
      out,
      'synth',
      seconds.toFixed(3),
      ...effect,
    ]);
}

/** Trim espeak's own leading and trailing silence so the recording's timing is the one we set. */
function trimSilence(pcm: Int16Array): Int16Array {
  let a = 0;
  let b = pcm.length;
  while (a < b && Math.abs(pcm[a]!) < 64) a++;
  while (b > a && Math.abs(pcm[b - 1]!) < 64) b--;
  return pcm.slice(a, b);
}

export async function renderRecording(r: AnswerRecording): Promise<RenderedRecording> {
  const pieces: Int16Array[] = [new Int16Array(samplesFor(r.leadMs, r.rate))];
  const parts: SpokenPart[] = [];
  let at = pieces[0]!.length;
  for (const [i, text] of r.parts.entries()) {
    if (i > 0) {
      pieces.push(new Int16Array(samplesFor(r.gapMs ?? 400, r.rate)));
      at += pieces.at(-1)!.length;
    }
    const samples = trimSilence(await speech(text, r));
    parts.push({ text, startSample: at, samples });
    pieces.push(samples);
    at += samples.length;
  }
  let beep: RenderedRecording['beep'];
  if (r.beep) {
    const b = r.beep;
    pieces.push(new Int16Array(samplesFor(b.gapMs, r.rate)));
    at += pieces.at(-1)!.length;
    const tone = await cached(
      `beep-${key(b.hz, b.ms, r.rate)}.wav`,
      sox(r.rate, b.ms / 1000, 'sine', String(b.hz), 'vol', '0.4'),
    );
    beep = { startMs: (at * 1000) / r.rate, endMs: ((at + tone.length) * 1000) / r.rate };
    pieces.push(tone);
    at += tone.length;
  }
  pieces.push(new Int16Array(samplesFor(r.tailMs, r.rate)));
  at += pieces.at(-1)!.length;
  const pcm = new Int16Array(at);
  let o = 0;
  for (const p of pieces) {
    pcm.set(p, o);
    o += p.length;
  }
  if (r.noise) {
    const seconds = at / r.rate + 0.1;
    const noise = await cached(
      `noise-${key(r.noise, r.rate, seconds)}.wav`,
      sox(r.rate, seconds, 'pinknoise', 'vol', String(r.noise)),
    );
    for (let i = 0; i < pcm.length; i++)
      pcm[i] = Math.max(-32768, Math.min(32767, pcm[i]! + (noise[i] ?? 0)));
  }
  return { recording: r, pcm, parts, beep };
}
