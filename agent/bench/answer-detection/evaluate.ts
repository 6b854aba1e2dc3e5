/**
 * Plays one rendered recording into an AnswerClassifier as a call would: 20 ms frames on a manual
 * clock (each frame is pushed when its last sample has arrived), transcript words as they would be
 * recognised, silence after the recording's end as RTP keeps flowing. Times reported are the clock's,
 * so they are the classifier's decision times, not how long this run took.
 */
import { ManualClock } from '../../src/time/clock.js';
import { AnswerClassifier } from '../../src/answer-detection/answer-classifier.js';
import type { AnswerEvent, AnswerKind, AnswerReason } from '../../src/answer-detection/answer-types.js';
import type { RenderedRecording } from './answer-audio.js';
import type { AnswerRecording } from './answer-set.js';
import { estimateWordTimings, withWordErrors } from './answer-transcript.js';

export interface EvaluateOptions {
  /** From a word's end to its arrival in the transcript. */
  sttDelayMs: number;
  /** false: audio only (no transcript at all). */
  transcript?: boolean;
  /** Share of words the stand-in STT drops or mishears (0 by default). */
  wordErrorRate?: number;
  /** Silence fed after the recording ends. */
  extraSilenceMs?: number;
}

export interface AnswerOutcome {
  id: string;
  label: AnswerRecording['label'];
  /** The first decision. */
  kind: AnswerKind | 'none';
  reason?: AnswerReason;
  /** The decision after any revision (a human "Hello?" that turned out to be a greeting). */
  finalKind: AnswerKind | 'none';
  /** When the revision came, ms from the answer. */
  revisedMs?: number;
  latencyMs?: number;
  afterSpeechEndMs?: number;
  /** End of the callee's speech (before any beep), ms from the answer. */
  speechEndMs: number;
  beepExpected: boolean;
  beepHeard: boolean;
  /** When the classifier said to start the voicemail message, ms from the answer. */
  leaveMessageMs?: number;
  /** Where the beep actually ended in the recording. */
  beepEndMs?: number;
}

const FRAME_MS = 20;

export async function evaluateRecording(r: RenderedRecording, o: EvaluateOptions): Promise<AnswerOutcome> {
  const rate = r.recording.rate;
  const clock = new ManualClock();
  const classifier = new AnswerClassifier({ sampleRate: rate, clock });
  const timed = estimateWordTimings(r.parts, rate);
  const words = o.wordErrorRate ? withWordErrors(timed, o.wordErrorRate, r.recording.id) : timed;
  const arrivals = (o.transcript === false ? [] : words).map((w, i) => ({
    at: w.endMs + o.sttDelayMs,
    text: words
      .slice(0, i + 1)
      .map((x) => x.word)
      .join(' '),
  }));
  const n = (rate * FRAME_MS) / 1000;
  const silence = new Int16Array(n);
  const totalMs = (r.pcm.length * 1000) / rate + (o.extraSilenceMs ?? 5000);
  let next = 0;
  for (let ms = 0, at = 0; ms < totalMs; ms += FRAME_MS, at += n) {
    while (next < arrivals.length && arrivals[next]!.at <= ms + FRAME_MS) {
      clock.advance(Math.max(0, arrivals[next]!.at - clock.now()));
      classifier.transcript(arrivals[next]!.text);
      next++;
    }
    clock.advance(ms + FRAME_MS - clock.now());
    classifier.push(at + n <= r.pcm.length ? r.pcm.subarray(at, at + n) : silence);
  }
  classifier.close();
  const events: AnswerEvent[] = [];
  for await (const e of classifier) events.push(e);
  const decision = events.find((e) => e.type === 'decision')?.decision;
  const leave = events.find((e) => e.type === 'leave_message');
  const revised = events.findLast((e) => e.type === 'revised')?.decision;
  const lastPart = r.parts.at(-1)!;
  return {
    id: r.recording.id,
    label: r.recording.label,
    kind: decision?.kind ?? 'none',
    reason: decision?.reason,
    finalKind: revised?.kind ?? decision?.kind ?? 'none',
    revisedMs: revised?.latencyMs,
    latencyMs: decision?.latencyMs,
    afterSpeechEndMs: decision?.afterSpeechEndMs,
    speechEndMs: ((lastPart.startSample + lastPart.samples.length) * 1000) / rate,
    beepExpected: r.beep !== undefined,
    beepHeard: events.some((e) => e.type === 'beep'),
    leaveMessageMs: leave?.latencyMs,
    beepEndMs: r.beep?.endMs,
  };
}
