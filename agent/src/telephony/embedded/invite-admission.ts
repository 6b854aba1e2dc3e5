/**
 * Who may place a new call: a PBX we are registered to, a trusted source (loopback, trunk CIDR),
 * or a digest-authenticated trunk/user. Decides the profile or the refusal (403, 404, 407).
 */
import type { AgentProfile } from '../../config/profile-schema.js';
import { parseCredentials } from '../../routing/digest.js';
import type { DigestVerifier } from '../../routing/digest-verifier.js';
import type { RegistrationClient } from '../../routing/registration.js';
import type { Router } from '../../routing/router.js';
import type { SipRequest } from './sip/message.js';
import type { SipPeer } from './sip/transport.js';
import { bareHost, parseUri, type SipUri } from './sip/uri.js';

export type Admission =
  | { kind: 'accept'; profile: AgentProfile; via: 'registration' | 'route' }
  | { kind: 'challenge'; stale: boolean }
  | { kind: 'reject'; status: 400 | 403 | 404; reason: string };

export interface AdmissionDeps {
  router: Router;
  verifier: DigestVerifier;
  registrations: RegistrationClient[];
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
      r.profileFor(uri.user) ||
      r.defaultProfile;
    return { kind: 'accept', profile, via: 'registration' };
  }
  const { verdict, authenticatedUser } = authenticate(d, req, source);
  const decision = d.router.route({
    requestUser: uri.user,
    sourceAddress: source.address,
    ...(authenticatedUser ? { authenticatedUser } : {}),
  });
  if (decision.kind === 'accept') return { kind: 'accept', profile: decision.profile, via: 'route' };
  if (decision.kind === 'reject') return decision;
  return challengeOrReject(verdict);
}

export type UserCallAdmission =
  | { kind: 'accept'; caller: string | undefined }
  | { kind: 'challenge'; stale: boolean }
  | { kind: 'reject'; status: 403; reason: string };

/**
 * May this caller ring a softphone user? Yes when registered over the same connection, digest-
 * authenticated on this INVITE, or from a source the router trusts (loopback by default, trunk ACLs).
 */
export function admitUserCall(d: AdmissionDeps, req: SipRequest, source: SipPeer): UserCallAdmission {
  const { verdict, authenticatedUser } = authenticate(d, req, source);
  if (authenticatedUser) return { kind: 'accept', caller: authenticatedUser };
  // The router's trust test, asked through its public decision: a trusted source reaching no agent gets 404.
  const probe = d.router.route({ requestUser: '\u0000', sourceAddress: source.address });
  if (probe.kind === 'accept' || (probe.kind === 'reject' && probe.status === 404))
    return { kind: 'accept', caller: undefined };
  if (probe.kind === 'reject' && !verdict) return { kind: 'reject', status: 403, reason: probe.reason };
  return challengeOrReject(verdict);
}

type Verdict = ReturnType<DigestVerifier['verify']>;

function authenticate(
  d: AdmissionDeps,
  req: SipRequest,
  source: SipPeer,
): { verdict: Verdict | undefined; authenticatedUser: string | undefined } {
  const authHeader = req.headers.get('proxy-authorization') ?? req.headers.get('authorization');
  const verdict = authHeader ? d.verifier.verify(parseCredentials(authHeader), req.method) : undefined;
  const authenticatedUser = verdict?.ok ? verdict.username : d.connectionUser?.(source);
  return { verdict, authenticatedUser };
}

function challengeOrReject(
  verdict: Verdict | undefined,
): { kind: 'challenge'; stale: boolean } | { kind: 'reject'; status: 403; reason: string } {
  if (
    verdict &&
    !verdict.ok &&
    (verdict.reason === 'bad-response' || verdict.reason === 'unknown-user' || verdict.reason === 'replay')
  ) {
    return { kind: 'reject', status: 403, reason: 'authentication failed' };
  }
  return { kind: 'challenge', stale: verdict?.ok === false && verdict.reason === 'stale' };
}

/** The PBX sends calls to the Contact we registered: it carries our sbreg parameter, or our AoR user from the registrar. */
function registrationFor(
  regs: RegistrationClient[],
  uri: SipUri,
  source: SipPeer,
): RegistrationClient | undefined {
  const byParam = regs.find((r) => uri.params.sbreg === r.id);
  if (byParam) return byParam;
  return regs.find((r) => {
    const registrar = parseUri(r.registration.registrar);
    return (
      registrar !== undefined &&
      r.registration.user === uri.user &&
      bareHost(registrar.host) === source.address
    );
  });
}
