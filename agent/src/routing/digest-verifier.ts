/**
 * Server side of digest auth for calls from trunks and users: stateless HMAC nonces with expiry
 * (expired → stale=true, so the client retries without asking the user), nonce-count replay check,
 * constant-time response comparison. Passwords come from a lookup and are never logged.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../audio/clock.js';
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
  /** Wall-clock seconds source for nonce timestamps (defaults to clock.now()). */
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
  private readonly lastNc = new Map<string, number>();

  constructor(private readonly o: DigestVerifierOptions) {
    this.ttl = o.nonceTtlMs ?? 300_000;
    this.algorithms = o.algorithms ?? ['SHA-256', 'MD5'];
  }

  /** One WWW-/Proxy-Authenticate value per algorithm, strongest first (RFC 8760). */
  challenges(stale = false): string[] {
    const nonce = this.newNonce();
    return this.algorithms.map((algorithm) => {
      const ch: DigestChallenge = { realm: this.o.realm, nonce, algorithm, qop: ['auth'] };
      if (stale) ch.stale = true;
      return formatChallenge(ch);
    });
  }

  /** `lookup` overrides the constructor's for callers with several credential sources (registrar, trunks). */
  verify(
    c: DigestCredentials | undefined,
    method: string,
    lookup: DigestVerifierOptions['lookup'] = this.o.lookup,
  ): VerifyResult {
    if (!c || c.realm !== this.o.realm || !this.algorithms.includes(c.algorithm))
      return { ok: false, reason: 'no-credentials' };
    const issued = this.nonceTime(c.nonce);
    if (issued === undefined) return { ok: false, reason: 'bad-nonce' };
    if (this.o.clock.now() - issued > this.ttl) return { ok: false, reason: 'stale' };
    const user = lookup(c.username);
    if (!user) return { ok: false, reason: 'unknown-user' };
    const expected = computeDigestResponse({ ...c, password: user.password, method });
    const a = Buffer.from(expected);
    const b = Buffer.from(c.response.toLowerCase());
    if (a.length !== b.length || !timingSafeEqual(a, b)) return { ok: false, reason: 'bad-response' };
    if (c.qop) {
      const nc = parseInt(c.nc ?? '', 16);
      const prev = this.lastNc.get(c.nonce) ?? 0;
      if (!Number.isFinite(nc) || nc <= prev) return { ok: false, reason: 'replay' };
      this.rememberNc(c.nonce, nc);
    }
    return { ok: true, username: c.username };
  }

  private newNonce(): string {
    const ts = Math.floor(this.o.clock.now()).toString(16);
    const salt = randomBytes(6).toString('hex');
    return `${ts}.${salt}.${this.mac(`${ts}.${salt}`)}`;
  }

  private nonceTime(nonce: string): number | undefined {
    const [ts, salt, mac] = nonce.split('.');
    if (!ts || !salt || !mac || !/^[0-9a-f]+$/.test(ts)) return undefined;
    const want = Buffer.from(this.mac(`${ts}.${salt}`));
    const got = Buffer.from(mac);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return undefined;
    return parseInt(ts, 16);
  }

  private mac(text: string): string {
    return createHmac('sha256', this.secret).update(text).digest('base64url').slice(0, 22);
  }

  private rememberNc(nonce: string, nc: number): void {
    this.lastNc.set(nonce, nc);
    if (this.lastNc.size > 10_000) {
      const oldest = this.lastNc.keys().next().value;
      if (oldest !== undefined) this.lastNc.delete(oldest);
    }
  }
}
