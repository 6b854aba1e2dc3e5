/**
 * Digest authentication for both back-ends: one lock-out shared by call admission (trunks and
 * softphone users) and the softphone registrar, so password guesses against either count together,
 * each behind its own verifier. Nonces are bound to the address they were issued to. Challenges are
 * 401 with WWW-Authenticate everywhere (see admission.ts for why not 407).
 */
import type { Clock } from '../../time/clock.js';
import type { SoftphoneUser } from '../../config/profile-schema.js';
import type { Logger } from '../../log.js';
import { AuthLockout, type AuthLockoutOptions } from '../../routing/auth-lockout.js';
import type { DigestAlgorithm } from '../../routing/digest.js';
import { DigestGate } from '../../routing/digest-gate.js';
import { DigestVerifier } from '../../routing/digest-verifier.js';
import type { Router } from '../../routing/router.js';

export const DEFAULT_REALM = 'switchboard';

export interface CallAuth {
  realm: string;
  lockout: AuthLockout;
  /** INVITE admission: trunk and softphone-user credentials. */
  calls: DigestGate;
  /** REGISTER: softphone users only. */
  registrar: DigestGate;
}

export interface CallAuthOptions {
  clock: Clock;
  log: Logger;
  router: Pick<Router, 'credentialFor'>;
  users: readonly SoftphoneUser[];
  realm?: string;
  /** Strongest first; default SHA-256 and MD5 (RFC 8760: one challenge each). */
  algorithms?: DigestAlgorithm[];
  lockout?: Partial<Omit<AuthLockoutOptions, 'clock' | 'onLock'>>;
  /** A source or user was just locked out (metrics). */
  onLock?(key: { kind: 'source' | 'user'; id: string }): void;
}

export function createCallAuth(o: CallAuthOptions): CallAuth {
  const realm = o.realm ?? DEFAULT_REALM;
  const algorithms = o.algorithms ? { algorithms: o.algorithms } : {};
  const lockout = new AuthLockout({
    clock: o.clock,
    ...o.lockout,
    onLock: (key, lockMs) => {
      o.log.warn({ [key.kind]: key.id, lockMs }, 'sip authentication locked out after repeated failures');
      o.onLock?.(key);
    },
  });
  const trunkOrUser = (u: string) => o.router.credentialFor(u);
  const calls = new DigestGate(
    new DigestVerifier({ realm, clock: o.clock, lookup: trunkOrUser, ...algorithms }),
    lockout,
    trunkOrUser,
  );
  const users = new Map(o.users.map((u) => [u.username, u]));
  const userOnly = (u: string) => users.get(u);
  const registrar = new DigestGate(
    new DigestVerifier({ realm, clock: o.clock, lookup: userOnly, ...algorithms }),
    lockout,
    userOnly,
  );
  return { realm, lockout, calls, registrar };
}
