/** Exponential back-off with a cap, and a restartable retry timer driven by an injected Clock. */
import type { Clock, TimerHandle } from '../../time/clock.js';

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 30_000, factor: 2 };

/** Delay before retry number `attempt` (0-based): initial × factor^attempt, capped. */
export function backoffDelay(attempt: number, opts: BackoffOptions = DEFAULT_BACKOFF): number {
  const raw = opts.initialMs * Math.pow(opts.factor, Math.max(0, attempt));
  return Math.min(opts.maxMs, Math.round(raw));
}

/** Schedules retries of one operation; success resets the attempt counter. */
export class RetryTimer {
  private attempt = 0;
  private timer: TimerHandle | undefined;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly run: () => void,
    private readonly opts: BackoffOptions = DEFAULT_BACKOFF,
  ) {}

  /** Schedule the next try; returns the delay, or undefined if one is already pending or stopped. */
  schedule(): number | undefined {
    if (this.stopped || this.timer) return undefined;
    const delay = backoffDelay(this.attempt++, this.opts);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      if (!this.stopped) this.run();
    }, delay);
    return delay;
  }

  reset(): void {
    this.attempt = 0;
  }

  get pending(): boolean {
    return this.timer !== undefined;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
