/**
 * One 20 ms timer shared by every call in the process. The schedule is drift-free: tick n is due at
 * start + n × 20 ms, and each timeout is computed from that, never chained. When the event loop
 * stalls, missed ticks run back to back (up to `maxCatchUpTicks`, 100 ms), beyond that the schedule jumps
 * ahead and subscribers see the tick number skip (RTP timestamps then jump like after a loss).
 * It records how late each subscriber ran against the ideal time: the pacer's send-time jitter.
 */
import type { Clock, TimerHandle } from '../../../time/clock.js';
import { systemClock } from '../../../time/clock.js';

export const FRAME_MS = 20;

/** Called once per tick; `tick` is the global tick number (consecutive unless the loop stalled). */
export type TickListener = (tick: number) => void;

export interface LatenessStats {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

const BIN_MS = 0.1;
const BINS = 2000;

/** Fixed-bin histogram of lateness (0.1 ms bins to 200 ms): bounded memory for hours of ticks. */
export class LatenessHistogram {
  private bins = new Uint32Array(BINS + 1);
  private count = 0;
  private max = 0;

  record(ms: number): void {
    const v = Math.max(0, ms);
    this.bins[Math.min(BINS, Math.floor(v / BIN_MS))]!++;
    this.count++;
    if (v > this.max) this.max = v;
  }

  private percentile(p: number): number {
    if (this.count === 0) return 0;
    const want = Math.ceil(this.count * p);
    let seen = 0;
    for (let i = 0; i <= BINS; i++) {
      seen += this.bins[i]!;
      if (seen >= want) return Math.min(this.max, (i + 1) * BIN_MS);
    }
    return this.max;
  }

  stats(): LatenessStats {
    return { count: this.count, p50Ms: this.percentile(0.5), p99Ms: this.percentile(0.99), maxMs: this.max };
  }

  reset(): void {
    this.bins.fill(0);
    this.count = 0;
    this.max = 0;
  }
}

export class FrameTicker {
  private readonly listeners = new Set<TickListener>();
  private timer: TimerHandle | undefined;
  private startAt = 0;
  private nextTick = 0;
  /** Lateness of each listener call against its tick's ideal time. */
  readonly lateness = new LatenessHistogram();
  skippedTicks = 0;

  constructor(
    private readonly clock: Clock = systemClock,
    private readonly maxCatchUpTicks = 5,
  ) {}

  get size(): number {
    return this.listeners.size;
  }

  /** The tick that will run next (listeners added now first see this number). */
  get upcomingTick(): number {
    return this.nextTick;
  }

  /** Start receiving ticks; returns the unsubscribe function. */
  subscribe(fn: TickListener): () => void {
    this.listeners.add(fn);
    if (!this.timer) {
      this.startAt = this.clock.now();
      this.nextTick = 0;
      this.schedule();
    }
    return () => {
      this.listeners.delete(fn);
      if (this.listeners.size === 0 && this.timer) {
        this.clock.clearTimeout(this.timer);
        this.timer = undefined;
      }
    };
  }

  private dueAt(tick: number): number {
    return this.startAt + tick * FRAME_MS;
  }

  private schedule(): void {
    const delay = this.dueAt(this.nextTick) - this.clock.now();
    this.timer = this.clock.setTimeout(() => this.run(), Math.max(0, delay));
  }

  private run(): void {
    this.timer = undefined;
    const now = this.clock.now();
    const behind = Math.floor((now - this.dueAt(this.nextTick)) / FRAME_MS);
    if (behind > this.maxCatchUpTicks) {
      this.skippedTicks += behind;
      this.nextTick += behind;
    }
    while (this.listeners.size > 0 && this.dueAt(this.nextTick) <= this.clock.now()) {
      const tick = this.nextTick++;
      const due = this.dueAt(tick);
      for (const fn of [...this.listeners]) {
        this.lateness.record(this.clock.now() - due);
        try {
          fn(tick);
        } catch {
          // A failing call must not stop the others' audio; the call logs its own errors.
        }
      }
    }
    if (this.listeners.size > 0) this.schedule();
  }
}

let shared: FrameTicker | undefined;

/** The process-wide ticker on the system clock, created on first use. */
export function sharedFrameTicker(): FrameTicker {
  shared ??= new FrameTicker(systemClock);
  return shared;
}
