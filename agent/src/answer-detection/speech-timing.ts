/**
 * The timing features answering-machine detection has always used (Asterisk app_amd.c): how long
 * the callee stays silent after answering, how long the greeting is, how many separate bursts of
 * speech ("words" in app_amd; phrases here) it holds, and how long the silence after it has lasted.
 * An energy VAD with a tracked noise floor marks each 20 ms frame voiced or not; a burst starts
 * after `onsetMs` of voiced frames and ends after `gapMs` of unvoiced ones (app_amd:
 * minimumWordLength 100 ms, betweenWordsSilence 50 ms). Times are milliseconds of audio.
 */
import type { Pcm16 } from '../audio/pcm.js';
import { frameEnergy } from './goertzel.js';

export interface SpeechTimingOptions {
  /** Frames quieter than this are never speech. */
  minSpeechDbfs?: number;
  /** Speech must be this far above the tracked noise floor. */
  marginDb?: number;
  onsetMs?: number;
  gapMs?: number;
}

export interface SpeechSegment {
  startMs: number;
  /** Undefined while the segment is still going on. */
  endMs?: number;
}

export interface SpeechTiming {
  /** Audio seen so far. */
  elapsedMs: number;
  /** Silence before the first speech (all of `elapsedMs` when nobody spoke yet). */
  initialSilenceMs: number;
  speaking: boolean;
  /** Total speech so far, open segment included. */
  voicedMs: number;
  /** Bursts of speech so far, open segment included. */
  segments: number;
  /** When the last finished segment ended; undefined while speaking or before any speech. */
  lastSpeechEndMs?: number;
  /** Silence since the last speech ended (0 while speaking or before any speech). */
  silenceAfterSpeechMs: number;
}

const DEFAULTS: Required<SpeechTimingOptions> = {
  minSpeechDbfs: -45,
  marginDb: 12,
  onsetMs: 60,
  gapMs: 100,
};

/** Noise floor rise per frame when the level is above it (dB, 7.5 dB/s); falls at once when below. */
const FLOOR_RISE_DB = 0.15;

export class SpeechTimingTracker {
  private readonly o: Required<SpeechTimingOptions>;
  private readonly closed: Required<SpeechSegment>[] = [];
  private open: SpeechSegment | undefined;
  private floorDb: number | undefined;
  private elapsedMs = 0;
  private voicedRunMs = 0;
  private voicedRunStartMs = 0;
  private silentRunMs = 0;
  private silentRunStartMs = 0;

  constructor(options: SpeechTimingOptions = {}) {
    this.o = { ...DEFAULTS, ...options };
  }

  /** Take one frame that starts at `atMs` and lasts `frameMs`; returns whether it was voiced. */
  frame(pcm: Pcm16, atMs: number, frameMs: number): boolean {
    const voiced = this.isVoiced(pcm);
    this.elapsedMs = atMs + frameMs;
    if (voiced) {
      if (this.voicedRunMs === 0) this.voicedRunStartMs = atMs;
      this.voicedRunMs += frameMs;
      this.silentRunMs = 0;
      if (!this.open && this.voicedRunMs >= this.o.onsetMs) this.open = { startMs: this.voicedRunStartMs };
    } else {
      if (this.silentRunMs === 0) this.silentRunStartMs = atMs;
      this.silentRunMs += frameMs;
      this.voicedRunMs = 0;
      if (this.open && this.silentRunMs >= this.o.gapMs) {
        this.closed.push({ startMs: this.open.startMs, endMs: this.silentRunStartMs });
        this.open = undefined;
      }
    }
    return voiced;
  }

  /** Finished segments so far. */
  get segments(): readonly Required<SpeechSegment>[] {
    return this.closed;
  }

  snapshot(): SpeechTiming {
    const first = this.closed[0]?.startMs ?? this.open?.startMs;
    let voicedMs = 0;
    for (const s of this.closed) voicedMs += s.endMs - s.startMs;
    if (this.open) voicedMs += this.elapsedMs - this.open.startMs;
    const last = this.open ? undefined : this.closed.at(-1)?.endMs;
    return {
      elapsedMs: this.elapsedMs,
      initialSilenceMs: first ?? this.elapsedMs,
      speaking: this.open !== undefined,
      voicedMs,
      segments: this.closed.length + (this.open ? 1 : 0),
      lastSpeechEndMs: last,
      silenceAfterSpeechMs: last === undefined ? 0 : this.elapsedMs - last,
    };
  }

  private isVoiced(pcm: Pcm16): boolean {
    const energy = frameEnergy(pcm);
    const db = energy === 0 ? -120 : 20 * Math.log10(Math.sqrt(energy / pcm.length) / 32768);
    // The first frame seeds the floor (at most minSpeechDbfs, in case the callee speaks at once).
    const floor = this.floorDb ?? Math.min(db, this.o.minSpeechDbfs);
    const voiced = db > Math.max(this.o.minSpeechDbfs, floor + this.o.marginDb);
    this.floorDb = db < floor ? db : floor + FLOOR_RISE_DB;
    return voiced;
  }
}
