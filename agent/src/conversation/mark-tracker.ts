/**
 * Playout marks as a cross-check of the PlayoutClock. We send a named mark every `intervalMs` of
 * audio; FreeSWITCH echoes it when playback reaches it. Known defects (research drachtio-freeswitch
 * §8): marks are in-band -1 samples (the fork layer replaces -1 in speech with 0), resampling destroys
 * them (only send when we play at the call's rate), and once killAudio clears a pending mark, later
 * marks are lost or misnamed for the rest of the fork — so after that we stop using them.
 */
import type { PlayoutClock } from '../audio/playout-clock.js';
import type { Logger } from '../log.js';
import type { CallChannel } from './call-channel.js';

export class MarkTracker {
  private pending = new Map<string, number>();
  private seq = 0;
  private nextAt: number;
  private confirmed = 0;
  private enabled: boolean;
  /** Largest |clock-estimated heard − mark position| seen, ms. */
  maxDriftMs = 0;
  confirmedMarks = 0;

  constructor(
    private readonly channel: CallChannel,
    private readonly playout: PlayoutClock,
    private readonly sampleRate: number,
    private readonly intervalMs: number,
    enabled: boolean,
    private readonly log: Logger,
  ) {
    this.enabled = enabled && intervalMs > 0;
    this.nextAt = this.samples(intervalMs);
  }

  /** Call after each chunk of audio is sent. */
  afterSend(): void {
    if (!this.enabled) return;
    const sent = this.sentSamples();
    if (sent < this.nextAt) return;
    const name = `sb-${++this.seq}`;
    this.pending.set(name, sent);
    this.channel.mark(name);
    this.nextAt = sent + this.samples(this.intervalMs);
  }

  onMark(name: string, event: 'playout' | 'cleared'): void {
    const pos = this.pending.get(name);
    if (pos === undefined) return;
    this.pending.delete(name);
    if (event === 'cleared') return;
    this.confirmedMarks++;
    const driftMs = ((this.playout.heardSamples() - pos) * 1000) / this.sampleRate;
    this.maxDriftMs = Math.max(this.maxDriftMs, Math.abs(driftMs));
    this.confirmed = Math.max(this.confirmed, pos);
    if (Math.abs(driftMs) > 250) this.log.warn({ mark: name, driftMs }, 'playout clock and marks disagree');
    else this.log.debug({ mark: name, driftMs }, 'mark played');
  }

  /** Heard samples: the playout clock, raised to the last confirmed mark if the clock lags. */
  heardSamples(): number {
    return Math.max(this.playout.heardSamples(), Math.min(this.confirmed, this.sentSamples()));
  }

  /** killAudio was sent (after PlayoutClock.flush()). */
  onKill(): void {
    if (this.pending.size > 0) {
      this.enabled = false;
      this.log.debug(
        { pending: this.pending.size },
        'marks cleared by killAudio; not using marks for this fork',
      );
    }
    this.pending.clear();
    this.confirmed = Math.min(this.confirmed, this.sentSamples());
    this.nextAt = this.sentSamples() + this.samples(this.intervalMs);
  }

  get active(): boolean {
    return this.enabled;
  }

  private sentSamples(): number {
    return Math.round((this.playout.sentMs() * this.sampleRate) / 1000);
  }

  private samples(ms: number): number {
    return Math.round((ms * this.sampleRate) / 1000);
  }
}
