/** What the retry/fallback decorators report and how they are tuned. */
import type { ProviderErrorCode, ProviderKind } from '../errors.js';

/** One recovered (or not) provider failure: what failed, and what the layer did about it. */
export interface ProviderFault {
  stage: ProviderKind;
  code: ProviderErrorCode | string;
  /**
   * retried: the same route again; fell_back: the next route; reconnected: a stale or broken
   * connection was reopened before use; gave_up: no attempt left within the budget.
   */
  action: 'retried' | 'fell_back' | 'reconnected' | 'gave_up';
  /** The route that failed and the one tried next. */
  from: string;
  to?: string;
}

export type FaultListener = (fault: ProviderFault) => void;

export interface RetryBudget {
  /** Total time the caller waits for a first token / first audio, all attempts included (ms). */
  budgetMs: number;
  /** One attempt's wait for its first token / first audio before the next attempt (ms). */
  attemptTimeoutMs: number;
  /** Attempts in all, across the routes (a lone route is retried). */
  maxAttempts: number;
  /** A new attempt needs at least this much of the budget left (ms). */
  minAttemptMs: number;
}
