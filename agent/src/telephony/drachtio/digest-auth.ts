/**
 * Server-side SIP digest authentication (RFC 2617/3261, MD5, qop=auth) for INVITE and REGISTER.
 * Written against the DigestAuthenticator interface so a shared helper (routing/digest.ts) can replace it.
 * Nonces are stateless: issue time + HMAC, valid for nonceTtlMs.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../audio/clock.js';
import { parseAuthParams } from './sip-utils.js';

export interface Credential {
  username: string;
  password: string;
}

export type DigestResult =
  | { ok: true; username: string }
  | { ok: false; reason: 'missing' | 'malformed' | 'unknown_user' | 'bad_response' | 'stale' | 'realm' };

export interface DigestAuthenticator {
  /** Value for WWW-Authenticate (401) or Proxy-Authenticate (407). */
  challenge(stale?: boolean): string;
  /** Check the Authorization header of a request against the credential lookup. */
  verify(
    method: string,
    authorization: string | undefined,
    lookup: (username: string) => Credential | undefined,
  ): DigestResult;
}

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class Md5DigestAuthenticator implements DigestAuthenticator {
  private readonly key = randomBytes(32);

  constructor(
    readonly realm: string,
    private readonly clock: Clock,
    private readonly nonceTtlMs = 300_000,
  ) {}

  private nonce(): string {
    const ts = Math.floor(this.clock.now()).toString(36);
    return `${ts}.${createHmac('sha256', this.key).update(ts).digest('base64url').slice(0, 22)}`;
  }

  private nonceState(nonce: string): 'ok' | 'stale' | 'bad' {
    const [ts, mac] = nonce.split('.');
    if (!ts || !mac) return 'bad';
    const expected = createHmac('sha256', this.key).update(ts).digest('base64url').slice(0, 22);
    if (!safeEqual(mac, expected)) return 'bad';
    return this.clock.now() - parseInt(ts, 36) > this.nonceTtlMs ? 'stale' : 'ok';
  }

  challenge(stale = false): string {
    return `Digest realm="${this.realm}", nonce="${this.nonce()}", qop="auth", algorithm=MD5${stale ? ', stale=true' : ''}`;
  }

  verify(
    method: string,
    authorization: string | undefined,
    lookup: (u: string) => Credential | undefined,
  ): DigestResult {
    if (!authorization) return { ok: false, reason: 'missing' };
    const p = parseAuthParams(authorization);
    const { username, nonce, uri, response } = p;
    if (!username || !nonce || !uri || !response) return { ok: false, reason: 'malformed' };
    if (p.realm !== this.realm) return { ok: false, reason: 'realm' };
    const state = this.nonceState(nonce);
    if (state === 'bad') return { ok: false, reason: 'bad_response' };
    const cred = lookup(username);
    if (!cred) return { ok: false, reason: 'unknown_user' };
    const ha1 = md5(`${username}:${this.realm}:${cred.password}`);
    const ha2 = md5(`${method}:${uri}`);
    const expected =
      p.qop === 'auth'
        ? md5(`${ha1}:${nonce}:${p.nc ?? ''}:${p.cnonce ?? ''}:auth:${ha2}`)
        : md5(`${ha1}:${nonce}:${ha2}`);
    if (!safeEqual(expected, response.toLowerCase())) return { ok: false, reason: 'bad_response' };
    if (state === 'stale') return { ok: false, reason: 'stale' };
    return { ok: true, username };
  }
}

/** Client side of the same computation, for tests and fakes. */
export function digestResponse(o: {
  username: string;
  password: string;
  realm: string;
  method: string;
  uri: string;
  nonce: string;
  nc?: string;
  cnonce?: string;
}): string {
  const ha1 = md5(`${o.username}:${o.realm}:${o.password}`);
  const ha2 = md5(`${o.method}:${o.uri}`);
  const resp = md5(`${ha1}:${o.nonce}:${o.nc ?? '00000001'}:${o.cnonce ?? 'c0ffee'}:auth:${ha2}`);
  return (
    `Digest username="${o.username}", realm="${o.realm}", nonce="${o.nonce}", uri="${o.uri}", ` +
    `response="${resp}", qop=auth, nc=${o.nc ?? '00000001'}, cnonce="${o.cnonce ?? 'c0ffee'}", algorithm=MD5`
  );
}
