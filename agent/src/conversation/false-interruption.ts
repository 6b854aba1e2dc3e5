/**
 * After a barge-in, wait for words. If the STT gives none within the window, it was a cough, a click
 * or a "hm": the reply resumes instead of leaving the caller in silence. LiveKit Agents does the same
 * (`resume_false_interruption` with `false_interruption_timeout`, default 2.0 s, research
 * voice-agents §6 item 4). While the caller is still making sound we wait a little longer, bounded.
 */
import type { Clock, TimerHandle } from '../time/clock.js';

const MAX_REARMS = 3;

export class FalseInterruptionGuard {
  private timer: TimerHandle | undefined;
  private rearms = 0;
  private onResume: (() => void) | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly windowMs: number,
    private readonly callerSpeaking: () => boolean,
  ) {}

  get armed(): boolean {
    return this.timer !== undefined;
  }

  arm(onResume: () => void): void {
    this.cancel();
    this.onResume = onResume;
    this.rearms = 0;
    this.timer = this.clock.setTimeout(() => this.fire(), this.windowMs);
  }

  /** Transcript words arrived: a real interruption. Returns whether the guard was armed. */
  confirm(): boolean {
    const was = this.armed;
    this.cancel();
    return was;
  }

  cancel(): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.onResume = undefined;
  }

  private fire(): void {
    this.timer = undefined;
    if (this.callerSpeaking() && this.rearms < MAX_REARMS) {
      this.rearms++;
      this.timer = this.clock.setTimeout(() => this.fire(), this.windowMs / 2);
      return;
    }
    const resume = this.onResume;
    this.onResume = undefined;
    resume?.();
  }
}
