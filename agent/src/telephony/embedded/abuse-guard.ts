/** Abuse defences: known SIP scanners by User-Agent, and a per-source token bucket for INVITE/REGISTER. */
import type { Clock } from '../../audio/clock.js';

const SCANNERS = [
  'friendly-scanner',
  'sipvicious',
  'sipcli',
  'vaxsipuseragent',
  'sundayddr',
  'iwar',
  'sipscan',
  'sip-scan',
  'pplsip',
  'sipsak',
  'sipptk',
  'smap',
  'cseq-scanner',
];

export function isScannerUserAgent(ua: string | undefined): boolean {
  if (!ua) return false;
  const lower = ua.toLowerCase();
  return SCANNERS.some((s) => lower.includes(s));
}

interface Bucket {
  tokens: number;
  at: number;
}

export class SourceRateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly clock: Clock,
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly maxSources = 10_000,
  ) {}

  /** Take one token for this source; false when over the limit. */
  take(source: string): boolean {
    const now = this.clock.now();
    const b = this.buckets.get(source) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    b.at = now;
    this.buckets.delete(source);
    this.buckets.set(source, b); // most recently used last; evict from the front
    if (this.buckets.size > this.maxSources) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Seconds until one token is available again (for Retry-After). */
  retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(1 / this.perSecond));
  }
}
