/**
 * A backstop for anything that must keep showing signs of life: RTP packets of a call, transcript
 * events of a speaking caller, pongs on a socket. `touch()` on every sign (cheap: it only stores the
 * time, no timer is re-armed per packet); `onIdle` fires once when nothing came for `timeoutMs`.
 * `pause()` suspends it while silence is expected (a held call), `resume()` starts a fresh wait.
 * One timer at a time, on the injected Clock.
 */
import type { Clock, TimerHandle } from '../time/clock.js';

export interface IdleWatchdogOptions {
  clock: Clock;
  /** Quiet time after which the watched thing counts as gone (ms, > 0). */
  timeoutMs: number;
  /** Called once, with how long it was quiet. The watchdog is stopped afterwards. */
  onIdle(idleMs: number): void;
}

export class IdleWatchdog {
  private last: number;
  private timer: TimerHandle | undefined;
  private state: 'running' | 'paused' | 'stopped' = 'paused';

  constructor(private readonly o: IdleWatchdogOptions) {
    if (!(o.timeoutMs > 0)) throw new RangeError(`idle timeout must be > 0 ms (got ${o.timeoutMs})`);
    this.last = o.clock.now();
  }

  get running(): boolean {
    return this.state === 'running';
  }

  /** Start (or restart after pause) waiting; the quiet time counts from now. */
  resume(): void {
    if (this.state !== 'paused') return;
    this.state = 'running';
    this.last = this.o.clock.now();
    this.arm(this.o.timeoutMs);
  }

  /** A sign of life. */
  touch(): void {
    this.last = this.o.clock.now();
  }

  /** Silence is expected for now (hold); nothing fires until resume(). */
  pause(): void {
    if (this.state !== 'running') return;
    this.state = 'paused';
    this.disarm();
  }

  /** Idempotent; the watchdog never fires afterwards. */
  stop(): void {
    this.state = 'stopped';
    this.disarm();
  }

  private arm(ms: number): void {
    this.disarm();
    this.timer = this.o.clock.setTimeout(() => this.check(), ms);
  }

  private disarm(): void {
    if (this.timer) this.o.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Fires at most once per timeoutMs: re-armed for the remainder when something came meanwhile. */
  private check(): void {
    this.timer = undefined;
    if (this.state !== 'running') return;
    const quiet = this.o.clock.now() - this.last;
    if (quiet < this.o.timeoutMs) return this.arm(this.o.timeoutMs - quiet);
    this.stop();
    this.o.onIdle(quiet);
  }
}
