/**
 * One drift-free 20 ms ticker shared by every caller in the process: tick k is due at start + k·20 ms,
 * so lateness never accumulates. Each subscriber gets every tick (late ticks run back to back).
 */
export type TickHandler = (tick: number, dueAt: number) => void;

export class Ticker {
  private readonly handlers = new Set<TickHandler>();
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private tick = 0;
  /** How late each tick ran, ms (the caller's own pacing error; for the report). */
  readonly lateness: number[] = [];

  constructor(readonly periodMs = 20) {}

  subscribe(handler: TickHandler): () => void {
    this.handlers.add(handler);
    if (!this.timer) this.start();
    return () => {
      this.handlers.delete(handler);
      if (this.handlers.size === 0) this.stop();
    };
  }

  private start(): void {
    this.startedAt = performance.now();
    this.tick = 0;
    this.schedule();
  }

  private stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    const due = this.startedAt + this.tick * this.periodMs;
    this.timer = setTimeout(() => this.run(), Math.max(0, due - performance.now()));
  }

  private run(): void {
    const now = performance.now();
    while (this.startedAt + this.tick * this.periodMs <= now) {
      const due = this.startedAt + this.tick * this.periodMs;
      if (this.lateness.length < 1_000_000) this.lateness.push(now - due);
      for (const h of this.handlers) h(this.tick, due);
      this.tick++;
    }
    if (this.handlers.size > 0) this.schedule();
    else this.timer = undefined;
  }
}
