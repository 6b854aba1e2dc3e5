/** Exponential back-off with full jitter on the upper half: delay(n) in [base·2ⁿ/2, base·2ⁿ], capped. */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** 0..1 source of randomness; injected so tests are exact. */
  random: () => number;
}

export const defaultBackoff: BackoffOptions = { baseMs: 1000, maxMs: 60_000, random: Math.random };

export function backoffDelay(attempt: number, opts: BackoffOptions): number {
  const ceiling = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.max(0, attempt));
  return Math.round(ceiling / 2 + (ceiling / 2) * opts.random());
}
