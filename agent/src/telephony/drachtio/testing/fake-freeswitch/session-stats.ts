/** Session counters behind `status` and HEARTBEAT: since startup, peak, sessions per second. */
import type { CoreStats } from './api/fs-status.js';

export class SessionStats {
  private sinceStartup = 0;
  private peak = 0;
  private created: number[] = [];
  private spsPeak = 0;

  constructor(private readonly startedAt: number) {}

  /** A channel was created; `live` counts it. */
  note(now: number, live: number): void {
    this.sinceStartup++;
    this.peak = Math.max(this.peak, live);
    this.created = this.created.filter((t) => now - t < 1000);
    this.created.push(now);
    this.spsPeak = Math.max(this.spsPeak, this.created.length);
  }

  snapshot(
    now: number,
    live: number,
    o: { version: string; maxSessions: number; maxSessionsPerSecond: number; idleCpu: number },
  ): CoreStats {
    const sps = this.created.filter((t) => now - t < 1000).length;
    return {
      version: o.version,
      uptimeMs: now - this.startedAt,
      sessionCount: live,
      sessionsSinceStartup: this.sinceStartup,
      sessionPeak: this.peak,
      maxSessions: o.maxSessions,
      sps,
      spsLast: sps,
      spsPeak: this.spsPeak,
      maxSps: o.maxSessionsPerSecond,
      idleCpu: o.idleCpu,
    };
  }
}
