/**
 * The STT stand-in for the answer-detection set. We have no speech recogniser offline, so the text
 * each part was synthesised from is the transcript, and each word's timing is estimated from the
 * audio: the part's speech segments (the same energy tracker the classifier uses) share its words in
 * proportion to their letters. A word is "recognised" `sttDelayMs` after its estimated end, as a
 * streaming STT's interim result would be. This is kinder than a real STT (no recognition errors);
 * the figures say so.
 */
import { SpeechTimingTracker } from '../../src/answer-detection/speech-timing.js';
import type { SpokenPart } from './answer-audio.js';

export interface TimedWord {
  word: string;
  startMs: number;
  endMs: number;
}

const FRAME_MS = 20;

function segmentsOf(samples: Int16Array, rate: number): { startMs: number; endMs: number }[] {
  const tracker = new SpeechTimingTracker();
  const n = (rate * FRAME_MS) / 1000;
  let at = 0;
  for (; at + n <= samples.length; at += n)
    tracker.frame(samples.subarray(at, at + n), (at * 1000) / rate, FRAME_MS);
  const silence = new Int16Array(n);
  for (let i = 0; i < 10; i++, at += n) tracker.frame(silence, (at * 1000) / rate, FRAME_MS);
  const found = tracker.segments.map((s) => ({ startMs: s.startMs, endMs: s.endMs }));
  return found.length > 0 ? found : [{ startMs: 0, endMs: (samples.length * 1000) / rate }];
}

/** Word timings (ms of the recording) for each spoken part, spread over its speech segments. */
export function estimateWordTimings(parts: readonly SpokenPart[], rate: number): TimedWord[] {
  const words: TimedWord[] = [];
  for (const part of parts) {
    const offsetMs = (part.startSample * 1000) / rate;
    const segments = segmentsOf(part.samples, rate);
    const totalMs = segments.reduce((sum, s) => sum + s.endMs - s.startMs, 0);
    const tokens = part.text.split(/\s+/).filter((w) => w.length > 0);
    const letters = tokens.reduce((sum, w) => sum + w.length, 0);
    let spokenMs = 0;
    for (const word of tokens) {
      const startMs = offsetMs + atSpeechTime(segments, spokenMs);
      spokenMs += (totalMs * word.length) / letters;
      words.push({ word, startMs, endMs: offsetMs + atSpeechTime(segments, spokenMs) });
    }
  }
  return words;
}

/** The recording time at which `speechMs` of speech (summed over segments) has gone by. */
function atSpeechTime(segments: readonly { startMs: number; endMs: number }[], speechMs: number): number {
  let left = speechMs;
  for (const s of segments) {
    const len = s.endMs - s.startMs;
    if (left <= len) return s.startMs + left;
    left -= len;
  }
  return segments.at(-1)!.endMs;
}

const WRONG_WORDS = ['the', 'uh', 'and', 'a', 'to', 'hmm', 'it'];

/**
 * Recognition errors, deterministic per `seed`: each word is, with probability `errorRate`, dropped
 * (half the time) or heard as a wrong short word (the other half) — a crude word error rate.
 */
export function withWordErrors(words: readonly TimedWord[], errorRate: number, seed: string): TimedWord[] {
  let s = 0;
  for (const ch of seed) s = (Math.imul(s, 31) + ch.charCodeAt(0)) >>> 0;
  const next = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const out: TimedWord[] = [];
  for (const w of words) {
    if (next() >= errorRate) out.push(w);
    else if (next() < 0.5) out.push({ ...w, word: WRONG_WORDS[Math.floor(next() * WRONG_WORDS.length)]! });
  }
  return out;
}
