/**
 * A deliberately simple speech detector for the fake STT: 10 ms frames, an energy threshold,
 * a short onset window, and a silence counter. Times are in audio milliseconds (samples received),
 * not wall time, so the fake behaves the same whether audio arrives paced or in a burst.
 */
import { dbfs } from '../../audio/pcm.js';

export interface EnergyDetectorOptions {
  sampleRate: number;
  /** Frame level above which a frame counts as speech. */
  thresholdDbfs?: number;
  /** Consecutive speech needed to call an onset. */
  onsetMs?: number;
}

export type EnergyEvent =
  | { type: 'onset'; atMs: number }
  /** Called every frame while in speech, with the speech duration so far. */
  | { type: 'speech'; atMs: number; speechMs: number }
  /** Silence since the last speech frame (only while an utterance is open). */
  | { type: 'silence'; atMs: number; silenceMs: number };

const FRAME_MS = 10;

export class EnergyDetector {
  private readonly frameSamples: number;
  private readonly threshold: number;
  private readonly onsetFrames: number;
  private readonly pending: number[] = [];
  private framesSeen = 0;
  private run = 0;
  private inUtterance = false;
  private utteranceStartMs = 0;
  private lastSpeechEndMs = 0;
  /** Total audio judged to be speech. */
  speechMs = 0;

  constructor(options: EnergyDetectorOptions) {
    this.frameSamples = Math.round((options.sampleRate * FRAME_MS) / 1000);
    this.threshold = options.thresholdDbfs ?? -45;
    this.onsetFrames = Math.max(1, Math.round((options.onsetMs ?? 30) / FRAME_MS));
  }

  get open(): boolean {
    return this.inUtterance;
  }

  get utteranceStart(): number {
    return this.utteranceStartMs;
  }

  get lastSpeechEnd(): number {
    return this.lastSpeechEndMs;
  }

  /** The utterance was consumed (final sent); the next speech is a new onset. */
  reset(): void {
    this.inUtterance = false;
    this.run = 0;
  }

  push(samples: Int16Array): EnergyEvent[] {
    const events: EnergyEvent[] = [];
    for (let i = 0; i < samples.length; i++) {
      this.pending.push(samples[i]!);
      if (this.pending.length === this.frameSamples) {
        this.frame(Int16Array.from(this.pending), events);
        this.pending.length = 0;
      }
    }
    return events;
  }

  private frame(frame: Int16Array, events: EnergyEvent[]): void {
    this.framesSeen++;
    const endMs = this.framesSeen * FRAME_MS;
    const loud = dbfs(frame) > this.threshold;
    if (loud) {
      this.speechMs += FRAME_MS;
      this.run++;
      this.lastSpeechEndMs = endMs;
      if (!this.inUtterance && this.run >= this.onsetFrames) {
        this.inUtterance = true;
        this.utteranceStartMs = endMs - this.run * FRAME_MS;
        events.push({ type: 'onset', atMs: this.utteranceStartMs });
      }
      if (this.inUtterance)
        events.push({ type: 'speech', atMs: endMs, speechMs: endMs - this.utteranceStartMs });
      return;
    }
    this.run = 0;
    if (this.inUtterance)
      events.push({ type: 'silence', atMs: endMs, silenceMs: endMs - this.lastSpeechEndMs });
  }
}
