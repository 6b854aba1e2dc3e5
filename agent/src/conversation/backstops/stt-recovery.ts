/**
 * After the STT broke while the caller was talking, their words are replayed into the new stream
 * (SttSession); this makes sure the caller is never left waiting if that does not bring a turn: when
 * no caller turn has begun `recoveryMs` after their speech ended, the apology is spoken.
 */
import type { Clock, TimerHandle } from '../../time/clock.js';

export class SttRecovery {
  private waiting = false;
  private timer: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly recoveryMs: number,
    private readonly apologize: () => void,
  ) {}

  /** The STT broke mid-turn; `speaking`: the caller is still talking. */
  interrupted(speaking: boolean): void {
    this.waiting = true;
    if (!speaking) this.arm();
  }

  /** The caller talks again: wait for the end of that speech. */
  speechStarted(): void {
    this.disarm();
  }

  speechEnded(): void {
    if (this.waiting) this.arm();
  }

  /** A caller turn began: recovered. */
  turnStarted(): void {
    this.waiting = false;
    this.disarm();
  }

  close(): void {
    this.turnStarted();
  }

  private arm(): void {
    this.disarm();
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      if (!this.waiting) return;
      this.waiting = false;
      this.apologize();
    }, this.recoveryMs);
  }

  private disarm(): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
