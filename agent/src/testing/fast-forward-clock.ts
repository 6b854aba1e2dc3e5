/**
 * TEST-ONLY: a clock that runs in real time (so SIP retransmissions and a real peer's exchanges go
 * on as usual) and that a test can jump forward: skip(ms) moves now() on and fires, in order, every
 * timer that falls due — the way a 45 s session-refresh interval is crossed without waiting 45 s.
 */
import type { Clock, TimerHandle } from '../time/clock.js';

let nextId = 1;

interface Pending {
  at: number;
  fn: () => void;
  timer: NodeJS.Timeout | undefined;
}

export class FastForwardClock implements Clock {
  private offset = 0;
  private readonly pending = new Map<number, Pending>();

  now(): number {
    return performance.now() + this.offset;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = nextId++;
    this.pending.set(id, { at: this.now() + Math.max(0, ms), fn, timer: undefined });
    this.arm(id);
    return { id };
  }

  clearTimeout(handle: TimerHandle): void {
    const p = this.pending.get(handle.id);
    if (p) clearTimeout(p.timer);
    this.pending.delete(handle.id);
  }

  /** Jump `ms` ahead: timers now due fire (earliest first), the rest keep their remaining time. */
  skip(ms: number): void {
    this.offset += ms;
    const ids = [...this.pending.entries()].sort((a, b) => a[1].at - b[1].at).map(([id]) => id);
    for (const id of ids) this.arm(id);
  }

  private arm(id: number): void {
    const p = this.pending.get(id)!;
    clearTimeout(p.timer);
    p.timer = setTimeout(
      () => {
        this.pending.delete(id);
        p.fn();
      },
      Math.max(0, p.at - this.now()),
    );
  }
}
