/**
 * Abuse defences checked before any SIP state exists: known scanners by User-Agent, a per-source
 * token bucket for every request from sources we do not trust (OPTIONS and ACK floods included), and
 * caps on calls in all and per source.
 */
import type { Clock } from '../../time/clock.js';
import type { RateLimitOptions } from './gateway-options.js';
import type { SipRequest } from './sip/message.js';

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

export type GuardRefusal = 'scanner' | 'rate_limit' | 'calls_total' | 'calls_per_source';

export interface GatewayGuardOptions {
  clock: Clock;
  rateLimit?: RateLimitOptions;
  /** Calls (agent calls and softphone-to-softphone calls) at once, in all and from one source. */
  maxCalls: number;
  maxCallsPerSource: number;
  /** Sources the rate limit does not apply to: trunks, trusted loopback, the PBXs we register with. */
  exempt(address: string): boolean;
  onRefused(reason: GuardRefusal, address: string): void;
}

export class GatewayGuard {
  private readonly limiter: SourceRateLimiter | undefined;
  private readonly callsBySource = new Map<string, number>();
  private callCount = 0;

  constructor(private readonly o: GatewayGuardOptions) {
    if (o.rateLimit) this.limiter = new SourceRateLimiter(o.clock, o.rateLimit.perSecond, o.rateLimit.burst);
  }

  get calls(): number {
    return this.callCount;
  }

  /** Before transactions: 'drop', a status to answer statelessly (503 + Retry-After), or nothing. */
  screen(req: SipRequest, address: string): 'drop' | { status: 503; retryAfter: number } | undefined {
    if (isScannerUserAgent(req.headers.get('user-agent'))) {
      this.o.onRefused('scanner', address);
      return 'drop';
    }
    if (!this.limiter || this.o.exempt(address) || this.limiter.take(address)) return undefined;
    this.o.onRefused('rate_limit', address);
    if (this.o.rateLimit?.action === 'drop' || req.method === 'ACK') return 'drop';
    return { status: 503, retryAfter: this.limiter.retryAfterSeconds() };
  }

  /** Trusted sources: no rate limit and no per-source caps, only the global ones. */
  isExempt(address: string): boolean {
    return this.o.exempt(address);
  }

  /** May another call from `address` start? */
  callRefusal(address: string): 'calls_total' | 'calls_per_source' | undefined {
    const perSource =
      !this.o.exempt(address) && (this.callsBySource.get(address) ?? 0) >= this.o.maxCallsPerSource;
    const refusal =
      this.callCount >= this.o.maxCalls ? 'calls_total' : perSource ? 'calls_per_source' : undefined;
    if (refusal) this.o.onRefused(refusal, address);
    return refusal;
  }

  callStarted(address: string): void {
    this.callCount++;
    this.callsBySource.set(address, (this.callsBySource.get(address) ?? 0) + 1);
  }

  callEnded(address: string): void {
    this.callCount = Math.max(0, this.callCount - 1);
    const left = (this.callsBySource.get(address) ?? 1) - 1;
    if (left > 0) this.callsBySource.set(address, left);
    else this.callsBySource.delete(address);
  }
}

/**
 * Says when a refusal is worth a log line: once per reason and source every `everyMs`, so a flood
 * writes a handful of lines, not one per packet. Bounded memory.
 */
export class RefusalLogGate {
  private readonly last = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly everyMs = 10_000,
    private readonly maxKeys = 1000,
  ) {}

  shouldLog(reason: string, address: string): boolean {
    const key = `${reason}|${address}`;
    const now = this.clock.now();
    const at = this.last.get(key);
    if (at !== undefined && now - at < this.everyMs) return false;
    this.last.delete(key);
    this.last.set(key, now);
    if (this.last.size > this.maxKeys) {
      const oldest = this.last.keys().next().value;
      if (oldest !== undefined) this.last.delete(oldest);
    }
    return true;
  }
}
