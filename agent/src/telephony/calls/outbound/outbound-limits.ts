/**
 * The limits outbound calls are held to: calls in progress per route, new calls per second per
 * route, and new call requests per second over the API as a whole (a flood of POSTs). Token buckets
 * on the injected clock.
 */
import type { Clock } from '../../../time/clock.js';
import { OutboundError, type OutboundRoute } from './outbound-types.js';

export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly clock: Clock,
    private readonly perSecond: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
    this.at = clock.now();
  }

  /** Take one token; false when empty. */
  take(): boolean {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) / 1000) * this.perSecond);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Whole seconds until a token is back (Retry-After). */
  retryAfterS(): number {
    return Math.max(1, Math.ceil((1 - this.tokens) / this.perSecond));
  }
}

export class OutboundLimits {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly inProgress = new Map<string, number>();
  private readonly api: TokenBucket;

  constructor(
    private readonly clock: Clock,
    api: { perSecond: number; burst: number },
  ) {
    this.api = new TokenBucket(clock, api.perSecond, api.burst);
  }

  /** One API request to place a call. Throws rate_limited when requests come faster than allowed. */
  request(): void {
    if (!this.api.take())
      throw new OutboundError('rate_limited', 'request', 'too many call requests', this.api.retryAfterS());
  }

  /** Take a place on the route for a new call (concurrency, then calls per second); release() gives it back. */
  acquire(route: OutboundRoute): void {
    const key = `${route.kind}:${route.name}`;
    const busy = this.inProgress.get(key) ?? 0;
    if (busy >= route.maxConcurrent)
      throw new OutboundError(
        'route_busy',
        route.kind,
        `${route.maxConcurrent} calls already in progress on it`,
        1,
      );
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(
        this.clock,
        route.callsPerSecond,
        Math.max(1, Math.floor(route.callsPerSecond)),
      );
      this.buckets.set(key, bucket);
    }
    if (!bucket.take())
      throw new OutboundError(
        'rate_limited',
        route.kind,
        `over ${route.callsPerSecond} new calls per second`,
        bucket.retryAfterS(),
      );
    this.inProgress.set(key, busy + 1);
  }

  release(route: OutboundRoute): void {
    const key = `${route.kind}:${route.name}`;
    const left = (this.inProgress.get(key) ?? 1) - 1;
    if (left > 0) this.inProgress.set(key, left);
    else this.inProgress.delete(key);
  }

  inProgressOn(route: Pick<OutboundRoute, 'kind' | 'name'>): number {
    return this.inProgress.get(`${route.kind}:${route.name}`) ?? 0;
  }
}
