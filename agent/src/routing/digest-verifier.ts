/**
 * Server side of digest auth for calls from trunks and users: HMAC nonces bound to the time they were
 * issued and (when the caller passes one) the source address they were issued to; expired → stale=true,
 * so the client retries without asking the user. qop=auth is required (without it a captured answer
 * replays for the nonce's whole life) and nonce counts must grow on every use of a nonce. The table
 * of used nonces is bounded; a nonce that could have been forgotten is treated as stale, never as
 * fresh, so evicting entries cannot reopen a replay. Constant-time response comparison. Passwords
 * come from a lookup and are never logged.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../time/clock.js';
import {
  computeDigestResponse,
  formatChallenge,
  type DigestAlgorithm,
  type DigestChallenge,
  type DigestCredentials,
} from './digest.js';

export interface DigestVerifierOptions {
  realm: string;
  clock: Clock;
  /** Nonce lifetime, ms. */
  nonceTtlMs?: number;
  algorithms?: DigestAlgorithm[];
  lookup(username: string): { password: string } | undefined;
  /** Refuse answers without qop=auth (RFC 2069 style, replayable while the nonce lives). Default true. */
  requireQop?: boolean;
  /** Used nonces whose last nonce count is remembered (default 10 000). */
  maxTrackedNonces?: number;
}

export type VerifyResult =
  | { ok: true; username: string }
  | {
      ok: false;
      reason: 'no-credentials' | 'bad-nonce' | 'stale' | 'unknown-user' | 'bad-response' | 'replay';
    };

export class DigestVerifier {
  private readonly secret = randomBytes(32);
  private readonly ttl: number;
  private readonly algorithms: DigestAlgorithm[];
  private readonly lastNc = new Map<string, { nc: number; issued: number }>();
  /** Nonces issued at or before this time may have been dropped from lastNc: stale unless still there. */
  private forgottenUpTo = -Infinity;

  constructor(private readonly o: DigestVerifierOptions) {
    this.ttl = o.nonceTtlMs ?? 300_000;
    this.algorithms = o.algorithms ?? ['SHA-256', 'MD5'];
  }

  /**
   * One WWW-/Proxy-Authenticate value per algorithm, strongest first (RFC 8760). `source` (the
   * requester's address) binds the nonce: an answer from another address is refused.
   */
  challenges(stale = false, source?: string): string[] {
    const nonce = this.newNonce(source);
    return this.algorithms.map((algorithm) => {
      const ch: DigestChallenge = { realm: this.o.realm, nonce, algorithm, qop: ['auth'] };
      if (stale) ch.stale = true;
      return formatChallenge(ch);
    });
  }

  /**
   * `lookup` overrides the constructor's for callers with several credential sources (registrar,
   * trunks); `source` must be the address the challenge was issued to (absent when it was absent).
   */
  verify(
    c: DigestCredentials | undefined,
    method: string,
    lookup: DigestVerifierOptions['lookup'] = this.o.lookup,
    source?: string,
  ): VerifyResult {
    if (!c || c.realm !== this.o.realm || !this.algorithms.includes(c.algorithm))
      return { ok: false, reason: 'no-credentials' };
    const issued = this.nonceTime(c.nonce, source);
    if (issued === undefined) return { ok: false, reason: 'bad-nonce' };
    if (this.o.clock.now() - issued > this.ttl) return { ok: false, reason: 'stale' };
    const used = this.lastNc.get(c.nonce);
    if (!used && issued <= this.forgottenUpTo) return { ok: false, reason: 'stale' };
    const user = lookup(c.username);
    if (!user) return { ok: false, reason: 'unknown-user' };
    const withQop = c.qop === 'auth' && c.nc !== undefined && c.cnonce !== undefined;
    if (!withQop && (c.qop !== undefined || (this.o.requireQop ?? true)))
      return { ok: false, reason: 'bad-response' };
    const expected = computeDigestResponse({ ...c, password: user.password, method });
    const a = Buffer.from(expected);
    const b = Buffer.from(c.response.toLowerCase());
    if (a.length !== b.length || !timingSafeEqual(a, b)) return { ok: false, reason: 'bad-response' };
    if (withQop) {
      const nc = /^[0-9a-f]{1,8}$/i.test(c.nc ?? '') ? parseInt(c.nc!, 16) : NaN;
      if (!(nc > (used?.nc ?? 0))) return { ok: false, reason: 'replay' };
      this.rememberNc(c.nonce, nc, issued);
    }
    return { ok: true, username: c.username };
  }

  private newNonce(source: string | undefined): string {
    const ts = Math.floor(this.o.clock.now()).toString(16);
    const salt = randomBytes(6).toString('hex');
    return `${ts}.${salt}.${this.mac(`${ts}.${salt}|${source ?? ''}`)}`;
  }

  private nonceTime(nonce: string, source: string | undefined): number | undefined {
    const [ts, salt, mac] = nonce.split('.');
    if (!ts || !salt || !mac || !/^[0-9a-f]{1,13}$/.test(ts)) return undefined;
    const want = Buffer.from(this.mac(`${ts}.${salt}|${source ?? ''}`));
    const got = Buffer.from(mac);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return undefined;
    return parseInt(ts, 16);
  }

  private mac(text: string): string {
    return createHmac('sha256', this.secret).update(text).digest('base64url').slice(0, 22);
  }

  private rememberNc(nonce: string, nc: number, issued: number): void {
    this.lastNc.set(nonce, { nc, issued });
    if (this.lastNc.size <= (this.o.maxTrackedNonces ?? 10_000)) return;
    const [oldest, entry] = this.lastNc.entries().next().value ?? [];
    if (oldest === undefined || !entry) return;
    this.lastNc.delete(oldest);
    this.forgottenUpTo = Math.max(this.forgottenUpTo, entry.issued);
  }
}
