/** RFC 3261 §17 timer values, ms. Overridable for tests; the defaults are the RFC's. */
export interface SipTimers {
  t1: number;
  t2: number;
  t4: number;
}

export const DEFAULT_TIMERS: SipTimers = { t1: 500, t2: 4000, t4: 5000 };

/** Next retransmit interval: doubles from T1, capped at T2 (timers A/E/G). */
export function nextInterval(previous: number, timers: SipTimers): number {
  return Math.min(previous * 2, timers.t2);
}
