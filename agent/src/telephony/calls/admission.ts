/**
 * Who may place a new call, decided once for both back-ends over a neutral view of the INVITE: a call
 * the PBX we register with sends us, a trusted source (a trunk's CIDR; loopback only when configured),
 * a digest-authenticated trunk or softphone user, or a softphone registered over this very connection.
 * The answer is a route (an agent profile, or a registered softphone user), a challenge, or a refusal.
 *
 * The PBX-registration route skips authentication, so it is taken only for requests that prove they
 * come from that PBX: sent from an address the registrar's name resolved to, or addressed to the
 * unguessable Contact user we registered (a URI parameter or the extension number alone proves nothing).
 *
 * Challenges are 401 + WWW-Authenticate on both back-ends. We are the user agent that answers the call
 * (a UAS, RFC 3261 §22.2), not a proxy (407 is a proxy's challenge, §22.3): proxies in the path leave
 * Authorization alone but may add, keep or consume Proxy-Authorization for their own realms, so a 407
 * of ours behind a PBX or Kamailio that authenticates too ends up in a stack of proxy credentials, and
 * the registrar challenges with 401 anyway: one header for calls and registrations. Answers that
 * arrive in Proxy-Authorization are still read (some phones answer any challenge there).
 */
import type { AgentProfile, Registration } from '../../config/profile-schema.js';
import type { DigestGate, GateResult } from '../../routing/digest-gate.js';
import { parseDigestParams } from '../../routing/digest.js';
import type { Router } from '../../routing/router.js';
import type { RegistrationRoute } from './pbx-registrations.js';
import type { CallSource, IncomingCall } from './sip-view.js';

/** The softphone registrar as admission sees it. */
export interface SoftphoneDirectory {
  isUser(user: string): boolean;
  hasContacts(user: string): boolean;
  /** The user registered over the connection this request came on (a registered flow), if any. */
  userOnConnection(source: CallSource): string | undefined;
}

export interface AdmissionDeps {
  router: Router;
  gate: DigestGate;
  realm: string;
  registrations: readonly RegistrationRoute[];
  softphones: SoftphoneDirectory;
}

export type Admission =
  | {
      kind: 'agent';
      profile: AgentProfile;
      via: 'registration' | 'trusted-source' | 'authenticated';
      caller?: string;
      registration?: Registration;
    }
  | { kind: 'softphone'; user: string; caller: string | undefined }
  | { kind: 'challenge'; status: 401; headers: Array<[string, string]> }
  | { kind: 'reject'; status: 403 | 404 | 480; reason: string };

export function admitCall(d: AdmissionDeps, call: IncomingCall): Admission {
  const user = call.requestUser;
  if (!user) return { kind: 'reject', status: 404, reason: 'no user in Request-URI' };
  const agentRoute = d.router.profileFor(user);
  const softphone = !agentRoute && d.softphones.isUser(user);
  const reg = softphone ? undefined : registrationFor(d.registrations, user, call.source.address);
  if (reg) {
    const registration = reg.registration;
    const profile = d.router.profileForCall({ registration, dialled: user, fallback: true })!;
    return { kind: 'agent', profile, via: 'registration', registration };
  }
  const { verdict, caller } = authenticate(d, call);
  if (verdict?.ok === false && verdict.reason === 'locked')
    return { kind: 'reject', status: 403, reason: 'locked out after failed authentication' };
  if (caller === undefined && !d.router.isTrustedSource(call.source.address))
    return challengeOrReject(d, verdict, call.source.address);
  if (softphone) {
    if (!d.softphones.hasContacts(user))
      return { kind: 'reject', status: 480, reason: 'user not registered' };
    return { kind: 'softphone', user, caller };
  }
  if (!agentRoute) return { kind: 'reject', status: 404, reason: 'no agent at this number' };
  return caller === undefined
    ? { kind: 'agent', profile: agentRoute, via: 'trusted-source' }
    : { kind: 'agent', profile: agentRoute, via: 'authenticated', caller };
}

function authenticate(
  d: AdmissionDeps,
  call: IncomingCall,
): { verdict: GateResult | undefined; caller: string | undefined } {
  const ours = call.credentials.find((c) => parseDigestParams(c)?.realm === d.realm) ?? call.credentials[0];
  const verdict = ours ? d.gate.check(ours, 'INVITE', call.source.address) : undefined;
  const caller = verdict?.ok ? verdict.username : d.softphones.userOnConnection(call.source);
  return { verdict, caller };
}

const WRONG_ANSWERS = new Set(['bad-response', 'unknown-user', 'replay', 'locked']);

function challengeOrReject(d: AdmissionDeps, verdict: GateResult | undefined, source: string): Admission {
  if (verdict?.ok === false && WRONG_ANSWERS.has(verdict.reason))
    return { kind: 'reject', status: 403, reason: 'authentication failed' };
  if (d.gate.sourceLocked(source))
    return { kind: 'reject', status: 403, reason: 'locked out after failed authentication' };
  if (!d.router.hasCredentials()) return { kind: 'reject', status: 403, reason: 'source not allowed' };
  const stale = verdict?.ok === false && verdict.reason === 'stale';
  return {
    kind: 'challenge',
    status: 401,
    headers: d.gate.challenges(stale, source).map((c): [string, string] => ['WWW-Authenticate', c]),
  };
}

/**
 * The PBX sends calls to the Contact we registered. Addressed to that Contact's secret user part:
 * that registration, from wherever it comes (a PBX cluster sends from several nodes). From one of the
 * registrar's addresses: the registration it names by user, else the first to that registrar.
 */
function registrationFor(
  regs: readonly RegistrationRoute[],
  user: string,
  address: string,
): RegistrationRoute | undefined {
  const byToken = regs.find((r) => user === r.contactUser);
  if (byToken) return byToken;
  const fromRegistrar = regs.filter((r) => r.addresses().includes(address));
  return fromRegistrar.find((r) => r.registration.user === user) ?? fromRegistrar[0];
}
