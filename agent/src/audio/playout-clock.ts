/**
 * What the caller has heard. The media side plays what we send at real-time rate from when it
 * arrives, so "heard" = sent minus what is still queued, and the queue drains in wall time.
 * Marks from the media side are a cross-check only (their defects: research §8).
 */
import type { Clock } from '../time/clock.js';

export class PlayoutClock {
  /** Wall time (ms) at which everything sent so far will have played. */
  private endsAt = 0;
  private sentSamples = 0;

  constructor(
    private readonly sampleRate: number,
    private readonly clock: Clock,
    /** Measured delay between sending and the caller hearing (FreeSWITCH: ~14 ms). */
    private readonly startLatencyMs = 0,
  ) {}

  /** Record audio handed to the media side now. */
  sent(samples: number): void {
    const now = this.clock.now();
    const base = this.endsAt > now ? this.endsAt : now + this.startLatencyMs;
    this.endsAt = base + (samples * 1000) / this.sampleRate;
    this.sentSamples += samples;
  }

  /** Samples not yet played out. */
  queuedSamples(): number {
    const left = this.endsAt - this.clock.now();
    if (left <= 0) return 0;
    return Math.min(this.sentSamples, Math.round((left * this.sampleRate) / 1000));
  }

  /** Samples the caller has heard since the last reset. */
  heardSamples(): number {
    return this.sentSamples - this.queuedSamples();
  }

  heardMs(): number {
    return (this.heardSamples() * 1000) / this.sampleRate;
  }

  sentMs(): number {
    return (this.sentSamples * 1000) / this.sampleRate;
  }

  /** True while sent audio is still playing to the caller. */
  isPlaying(): boolean {
    return this.endsAt > this.clock.now();
  }

  /** Milliseconds until the queue drains. */
  remainingMs(): number {
    return Math.max(0, this.endsAt - this.clock.now());
  }

  /** killAudio: the media side dropped its queue; what was heard stays heard. Returns heard samples. */
  flush(): number {
    const heard = this.heardSamples();
    this.sentSamples = heard;
    this.endsAt = Math.min(this.endsAt, this.clock.now());
    return heard;
  }

  /** Start counting a new reply from zero. */
  reset(): void {
    this.sentSamples = 0;
    this.endsAt = Math.min(this.endsAt, this.clock.now());
  }
}
