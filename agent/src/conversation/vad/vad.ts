/**
 * Voice activity detection behind one small interface. A `Vad` takes caller audio of any frame size
 * at its sample rate and yields speech start / speech end, after an onset window (speech must last
 * this long before we believe it) and a hangover window (silence must last this long before speech
 * is over). Times are clock milliseconds of the audio itself, not of the decision.
 */
import type { Clock } from '../../time/clock.js';
import type { Pcm16 } from '../../audio/pcm.js';

export type VadEvent =
  /** `at`: clock time of the first speech audio; `detectedAt`: when we decided (at + onset + processing). */
  | { type: 'speech_start'; at: number; detectedAt: number }
  /** `at`: clock time the last speech audio ended; `detectedAt`: after the hangover. */
  | { type: 'speech_end'; at: number; detectedAt: number };

export interface Vad extends AsyncIterable<VadEvent> {
  readonly kind: string;
  /** Speech must last this long before speech_start (plus one model frame of latency). */
  readonly onsetMs: number;
  readonly hangoverMs: number;
  /** Caller audio at the rate the VAD was created for; never blocks. */
  push(pcm: Pcm16): void;
  /** Whether the VAD currently believes the caller is speaking. */
  readonly speaking: boolean;
  /** Resolves when the model is loaded and every frame pushed so far has been classified. */
  whenIdle(): Promise<void>;
  /** Idempotent; the iterator finishes. */
  close(): void;
}

export interface VadCreateOptions {
  sampleRate: number;
  clock: Clock;
}

export type VadFactory = (options: VadCreateOptions) => Vad;

export interface VadTiming {
  onsetMs: number;
  hangoverMs: number;
}
