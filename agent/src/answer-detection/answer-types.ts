/** What the answer classifier decides and reports, and the knobs it decides with. */
import type { Clock } from '../time/clock.js';
import type { Beep } from './beep-detector.js';
import type { SpeechTiming } from './speech-timing.js';
import type { MachineKind } from './transcript-cues.js';

/** `unknown`: nobody spoke, or nothing settled it in time (app_amd's NOTSURE); treat it as a person. */
export type AnswerKind = 'human' | MachineKind | 'unknown';

export type AnswerReason =
  /** A short greeting, then silence (app_amd HUMAN: afterGreetingSilence). */
  | 'short_greeting'
  /** A long greeting with no cue (app_amd LONGGREETING / MAXWORDS). */
  | 'long_greeting'
  /** The transcript holds a voicemail, IVR or screening phrase (or, after a long greeting, a
   * receptionist's "how can I help you?"). */
  | 'transcript_cue'
  /** A voicemail beep was heard before anything else settled it. */
  | 'beep'
  /** Nobody spoke within `initialSilenceMs` (app_amd INITIALSILENCE). */
  | 'initial_silence'
  /** `maxAnalysisMs` passed without a decision (app_amd TOOLONG). */
  | 'timeout';

export interface AnswerDecision {
  kind: AnswerKind;
  reason: AnswerReason;
  /** Clock time of the decision. */
  at: number;
  /** From the start of classification (the answer) to the decision. */
  latencyMs: number;
  /** From the end of the callee's last speech to the decision; undefined when decided mid-speech. */
  afterSpeechEndMs?: number;
  /** Cue phrases matched in the transcript. */
  cues: string[];
  timing: SpeechTiming;
  /** Words in the transcript at the time of the decision. */
  words: number;
  /** Set on a revision: the kind decided before (human or unknown). */
  revises?: AnswerKind;
}

export type AnswerEvent =
  | { type: 'decision'; decision: AnswerDecision }
  /** A human or unknown decision turned out to be a machine (a cue or a beep within `reviseWithinMs`). */
  | { type: 'revised'; decision: AnswerDecision }
  /** A beep ended (reported on voicemail or before any decision). `at` is clock time. */
  | { type: 'beep'; beep: Beep; at: number }
  /**
   * Voicemail only: the greeting is over, start the message now — right after the beep, or after
   * `noBeepWaitMs` of silence when the greeting had no beep.
   */
  | { type: 'leave_message'; beepHeard: boolean; at: number; latencyMs: number };

export interface AnswerThresholds {
  /** Silence after a greeting that ends it (app_amd afterGreetingSilence, 800 ms). */
  afterGreetingSilenceMs: number;
  /** A cue-less greeting up to this much speech is a person (app_amd greeting, 1500 ms). */
  maxHumanGreetingMs: number;
  /** ...and up to this many words (app_amd maximumNumberOfWords counts bursts; we count STT words). */
  maxHumanWords: number;
  /** A long greeting that ended with no deciding cue yet waits this much longer for the transcript. */
  cueGraceMs: number;
  /** Speech past this with no cue is a machine's monologue: voicemail. */
  maxGreetingMs: number;
  /** No speech at all this long after the answer (app_amd initialSilence). */
  initialSilenceMs: number;
  /** Give up deciding after this (app_amd totalAnalysisTime). */
  maxAnalysisMs: number;
  /** On voicemail without a beep, start the message after this much silence after the greeting. */
  noBeepWaitMs: number;
  /** Voicemail: stop waiting for the greeting to end after this long from the answer. */
  maxMessageWaitMs: number;
  /** After deciding human (or unknown), a machine cue or a beep within this long revises it; 0: never. */
  reviseWithinMs: number;
}

export const DEFAULT_ANSWER_THRESHOLDS: AnswerThresholds = {
  afterGreetingSilenceMs: 800,
  maxHumanGreetingMs: 2500,
  maxHumanWords: 8,
  cueGraceMs: 1000,
  maxGreetingMs: 6000,
  initialSilenceMs: 5000,
  maxAnalysisMs: 20_000,
  noBeepWaitMs: 2500,
  maxMessageWaitMs: 60_000,
  reviseWithinMs: 8000,
};

export interface AnswerClassifierOptions {
  sampleRate: 8000 | 16000;
  clock: Clock;
  thresholds?: Partial<AnswerThresholds>;
}
