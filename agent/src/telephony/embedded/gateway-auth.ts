/**
 * The embedded gateway's digest authentication: one lock-out shared by call admission (trunks and
 * softphone users answering 407) and the softphone registrar (401), so password guesses against either
 * count together, each behind its own verifier.
 */
import type { Logger } from '../../log.js';
import { AuthLockout } from '../../routing/auth-lockout.js';
import { DigestGate } from '../../routing/digest-gate.js';
import { DigestVerifier } from '../../routing/digest-verifier.js';
import type { SipGatewayOptions } from './gateway-options.js';
import { Registrar } from './registrar.js';

export interface GatewayAuth {
  lockout: AuthLockout;
  /** INVITE admission: trunk and softphone-user credentials. */
  calls: DigestGate;
  registrar: Registrar;
}

export function createGatewayAuth(
  o: SipGatewayOptions,
  log: Logger,
  refused: (reason: string, address: string) => void,
): GatewayAuth {
  const realm = o.realm ?? 'switchboard';
  const algorithms = o.digestAlgorithms ? { algorithms: o.digestAlgorithms } : {};
  const lockout = new AuthLockout({
    clock: o.clock,
    ...o.lockout,
    onLock: (key, lockMs) => {
      log.warn({ [key.kind]: key.id, lockMs }, 'sip authentication locked out after repeated failures');
      refused(`locked_${key.kind}`, key.kind === 'source' ? key.id : '');
    },
  });
  const trunkOrUser = (u: string) => o.router.credentialFor(u);
  const calls = new DigestGate(
    new DigestVerifier({ realm, clock: o.clock, lookup: trunkOrUser, ...algorithms }),
    lockout,
    trunkOrUser,
  );
  const users = new Map((o.users ?? []).map((u) => [u.username, u]));
  const userOnly = (u: string) => users.get(u);
  const registrar = new Registrar({
    clock: o.clock,
    log,
    userAgent: o.userAgent ?? 'Switchboard',
    isUser: (u) => users.has(u),
    gate: new DigestGate(
      new DigestVerifier({ realm, clock: o.clock, lookup: userOnly, ...algorithms }),
      lockout,
      userOnly,
    ),
    ...o.registrar,
  });
  return { lockout, calls, registrar };
}
