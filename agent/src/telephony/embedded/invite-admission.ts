/**
 * Who may place a new call: a PBX we are registered to, a trusted source (a trunk CIDR; loopback only
 * when configured), or a digest-authenticated trunk/user. Decides the profile or the refusal
 * (403, 404, 407).
 *
 * The PBX-registration route skips authentication, so it is taken only for requests that prove they
 * come from that PBX: sent from an address the registrar's name resolved to, or addressed to the
 * unguessable Contact user we registered (a URI parameter or the extension number alone proves nothing).
 */
import type { AgentProfile } from '../../config/profile-schema.js';
import type { DigestGate, GateResult } from '../../routing/digest-gate.js';
import type { Registration } from '../../config/profile-schema.js';
import type { Router } from '../../routing/router.js';
import type { SipRequest } from './sip/message.js';
import type { SipPeer } from './sip/transport.js';
import { parseUri, type SipUri } from './sip/uri.js';

export type Admission =
  | { kind: 'accept'; profile: AgentProfile; via: 'registration' | 'route' }
  | { kind: 'challenge'; stale: boolean }
  | { kind: 'reject'; status: 400 | 403 | 404; reason: string };

/** A PBX registration as admission sees it. */
export interface RegistrationRoute {
  registration: Registration;
  /** The random user part of the Contact we registered: only that PBX knows it. */
  contactUser: string;
  /** Addresses the registrar's name resolved to (an IP literal is its own). */
  addresses(): readonly string[];
}

export interface AdmissionDeps {
  router: Router;
  gate: DigestGate;
  registrations: RegistrationRoute[];
  /** The softphone user registered over this connection, if any: trusted like a digest-authenticated user. */
  connectionUser?(source: SipPeer): string | undefined;
}

export function admitInvite(d: AdmissionDeps, req: SipRequest, source: SipPeer): Admission {
  const uri = parseUri(req.uri);
  if (!uri || !uri.user) return { kind: 'reject', status: 404, reason: 'no user in Request-URI' };
  const reg = registrationFor(d.registrations, uri, source);
  if (reg) {
    const r = d.router;
    const profile =
      (reg.registration.profile && r.profile(reg.registration.profile)) ||
      r.profileFor(reg.registration.user) ||
      r.profileFor(uri.user) ||
      r.defaultProfile;
    return { kind: 'accept', profile, via: 'registration' };
  }
  const { verdict, authenticatedUser } = authenticate(d, req, source);
  if (verdict?.ok === false && verdict.reason === 'locked')
    return { kind: 'reject', status: 403, reason: 'locked out after failed authentication' };
  const decision = d.router.route({
    requestUser: uri.user,
    sourceAddress: source.address,
    ...(authenticatedUser ? { authenticatedUser } : {}),
  });
  if (decision.kind === 'accept') return { kind: 'accept', profile: decision.profile, via: 'route' };
  if (decision.kind === 'reject') return decision;
  return challengeOrReject(d, verdict, source);
}

export type UserCallAdmission =
  | { kind: 'accept'; caller: string | undefined }
  | { kind: 'challenge'; stale: boolean }
  | { kind: 'reject'; status: 403; reason: string };

/**
 * May this caller ring a softphone user? Yes when registered over the same connection, digest-
 * authenticated on this INVITE, or from a source the router trusts (trunk ACLs; loopback if configured).
 */
export function admitUserCall(d: AdmissionDeps, req: SipRequest, source: SipPeer): UserCallAdmission {
  const { verdict, authenticatedUser } = authenticate(d, req, source);
  if (authenticatedUser) return { kind: 'accept', caller: authenticatedUser };
  if (d.router.isTrustedSource(source.address)) return { kind: 'accept', caller: undefined };
  return challengeOrReject(d, verdict, source);
}

function authenticate(
  d: AdmissionDeps,
  req: SipRequest,
  source: SipPeer,
): { verdict: GateResult | undefined; authenticatedUser: string | undefined } {
  const authHeader = req.headers.get('proxy-authorization') ?? req.headers.get('authorization');
  const verdict = authHeader ? d.gate.check(authHeader, req.method, source.address) : undefined;
  const authenticatedUser = verdict?.ok ? verdict.username : d.connectionUser?.(source);
  return { verdict, authenticatedUser };
}

function challengeOrReject(
  d: AdmissionDeps,
  verdict: GateResult | undefined,
  source: SipPeer,
): { kind: 'challenge'; stale: boolean } | { kind: 'reject'; status: 403; reason: string } {
  if (verdict?.ok === false && ['bad-response', 'unknown-user', 'replay', 'locked'].includes(verdict.reason))
    return { kind: 'reject', status: 403, reason: 'authentication failed' };
  if (d.gate.sourceLocked(source.address))
    return { kind: 'reject', status: 403, reason: 'locked out after failed authentication' };
  return { kind: 'challenge', stale: verdict?.ok === false && verdict.reason === 'stale' };
}

/**
 * The PBX sends calls to the Contact we registered. Addressed to that Contact's secret user part:
 * that registration, from wherever it comes (a PBX cluster sends from several nodes). From one of the
 * registrar's addresses: the registration it names by user, else the first to that registrar.
 */
function registrationFor(
  regs: RegistrationRoute[],
  uri: SipUri,
  source: SipPeer,
): RegistrationRoute | undefined {
  const byToken = regs.find((r) => uri.user === r.contactUser);
  if (byToken) return byToken;
  const fromRegistrar = regs.filter((r) => r.addresses().includes(source.address));
  return fromRegistrar.find((r) => r.registration.user === uri.user) ?? fromRegistrar[0];
}
