/**
 * Server-side SIP digest authentication (RFC 2617/3261, MD5, qop=auth) for INVITE and REGISTER.
 * The drachtio app's view of the shared digest code in routing/.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../../audio/clock.js';
import { parseCredentials } from '../../routing/digest.js';
import { DigestVerifier, type VerifyResult } from '../../routing/digest-verifier.js';

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

const REASONS: Record<
  Exclude<VerifyResult, { ok: true }>['reason'],
  Exclude<DigestResult, { ok: true }>['reason']
> = {
  'no-credentials': 'malformed',
  'bad-nonce': 'bad_response',
  stale: 'stale',
  'unknown-user': 'unknown_user',
  'bad-response': 'bad_response',
  replay: 'bad_response',
};

/**
 * The shared verifier (routing/digest-verifier.ts: HMAC nonces, replay check) behind the drachtio
 * app's one-header interface. MD5 only: drachtio sends one WWW-Authenticate and most SIP trunks
 * and phones still answer MD5 alone.
 */
export class Md5DigestAuthenticator implements DigestAuthenticator {
  private readonly verifier: DigestVerifier;

  constructor(
    readonly realm: string,
    clock: Clock,
    nonceTtlMs = 300_000,
  ) {
    this.verifier = new DigestVerifier({
      realm,
      clock,
      nonceTtlMs,
      algorithms: ['MD5'],
      lookup: () => undefined,
    });
  }

  challenge(stale = false): string {
    return this.verifier.challenges(stale)[0]!;
  }

  verify(
    method: string,
    authorization: string | undefined,
    lookup: (u: string) => Credential | undefined,
  ): DigestResult {
    if (!authorization) return { ok: false, reason: 'missing' };
    const credentials = parseCredentials(authorization);
    if (!credentials) return { ok: false, reason: 'malformed' };
    if (credentials.realm !== this.realm) return { ok: false, reason: 'realm' };
    const r = this.verifier.verify(credentials, method, lookup);
    return r.ok ? r : { ok: false, reason: REASONS[r.reason] };
  }
}

/** Client side of the same computation, for tests and fakes. */
const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
let nextNc = 1;

/** Each call uses a fresh nonce-count, as a real client does (the verifier refuses replays). */
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
  const nc = o.nc ?? (nextNc++).toString(16).padStart(8, '0');
  const resp = md5(`${ha1}:${o.nonce}:${nc}:${o.cnonce ?? 'c0ffee'}:auth:${ha2}`);
  return (
    `Digest username="${o.username}", realm="${o.realm}", nonce="${o.nonce}", uri="${o.uri}", ` +
    `response="${resp}", qop=auth, nc=${nc}, cnonce="${o.cnonce ?? 'c0ffee'}", algorithm=MD5`
  );
}
