/**
 * Digest authentication as a SIP server does it for one request: the lock-out first (a locked source
 * or user is refused before the password is looked at), then the verifier with the nonce bound to the
 * requester's address, and every outcome fed back to the lock-out. Shared by call admission and the
 * softphone registrar, so guesses against either count together.
 */
import type { AuthLockout } from './auth-lockout.js';
import { parseCredentials } from './digest.js';
import type { DigestVerifier, DigestVerifierOptions, VerifyResult } from './digest-verifier.js';

export type GateResult = VerifyResult | { ok: false; reason: 'locked' };

/**
 * Outcomes where a password was tried and was wrong (a guess). A forged, foreign or expired nonce is
 * refused before any password is looked at, so it teaches a guesser nothing and counts for nothing.
 */
const FAILURES: ReadonlySet<string> = new Set(['unknown-user', 'bad-response', 'replay']);

export class DigestGate {
  constructor(
    private readonly verifier: DigestVerifier,
    private readonly lockout: AuthLockout | undefined,
    private readonly lookup: DigestVerifierOptions['lookup'],
  ) {}

  /** WWW-/Proxy-Authenticate values with nonces bound to `source`. */
  challenges(stale: boolean, source: string): string[] {
    return this.verifier.challenges(stale, source);
  }

  /** Is this source locked out altogether (no credentials to look at yet)? */
  sourceLocked(source: string): boolean {
    return this.lockout?.isLocked(source) ?? false;
  }

  /** Check an Authorization / Proxy-Authorization value from `source`. */
  check(header: string, method: string, source: string): GateResult {
    const creds = parseCredentials(header);
    if (this.lockout?.isLocked(source, creds?.username)) return { ok: false, reason: 'locked' };
    const verdict = this.verifier.verify(creds, method, this.lookup, source);
    if (verdict.ok) this.lockout?.recordSuccess(source, verdict.username);
    else if (FAILURES.has(verdict.reason)) {
      const user = creds && this.lookup(creds.username) ? creds.username : undefined;
      this.lockout?.recordFailure(source, user);
    }
    return verdict;
  }
}
