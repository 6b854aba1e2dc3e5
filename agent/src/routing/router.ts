/**
 * Call routing shared by both telephony back-ends: which profile answers a Request-URI user,
 * and whether a source may call at all. Pure decisions; the back-ends do the SIP plumbing.
 */
import { BlockList, isIP } from 'node:net';
import type { AgentProfile, ProfilesFile, Trunk } from '../config/profile-schema.js';

export type RouteDecision =
  | { kind: 'accept'; profile: AgentProfile; trunk?: Trunk }
  /** The caller must authenticate (digest) as one of these trunks/users before we route. */
  | { kind: 'challenge' }
  | { kind: 'reject'; status: 403 | 404; reason: string };

export interface RouteRequest {
  /** User part of the Request-URI (DID or extension). */
  requestUser: string;
  sourceAddress: string;
  /** Set once the request carried valid digest credentials: the username that authenticated. */
  authenticatedUser?: string;
  /** The call came in over a registration we hold to a PBX (the PBX sends it to our Contact). */
  viaRegistration?: boolean;
}

function normalize(user: string): string {
  // tel-style numbers: drop visual separators; keep a leading + .
  return user.replace(/[\s().-]/g, '');
}

export class Router {
  private readonly byRoute = new Map<string, AgentProfile>();
  private readonly byName = new Map<string, AgentProfile>();
  private readonly trunkAcl = new Map<Trunk, BlockList>();

  private readonly trustLoopback: boolean;

  /**
   * @param opts.trustLoopback loopback callers skip the source/auth check. Defaults to true only for
   *   callers that predate the setting (the drachtio back-end builds its own Router); the agent passes
   *   SWITCHBOARD_SIP_TRUST_LOOPBACK explicitly (config/sip-trust.ts), which is off unless asked for.
   */
  constructor(
    private readonly file: ProfilesFile,
    opts: { trustLoopback?: boolean } = {},
  ) {
    this.trustLoopback = opts.trustLoopback ?? true;
    for (const p of file.profiles) {
      this.byName.set(p.name, p);
      for (const r of p.routes) this.byRoute.set(normalize(r), p);
    }
    for (const t of file.trunks) this.trunkAcl.set(t, buildAcl(t.sources));
  }

  profile(name: string): AgentProfile | undefined {
    return this.byName.get(name);
  }

  get defaultProfile(): AgentProfile {
    return (this.file.defaultProfile && this.byName.get(this.file.defaultProfile)) || this.file.profiles[0]!;
  }

  /** Profile for a Request-URI user, or undefined (→ 404). A leading + is optional on both sides. */
  profileFor(requestUser: string): AgentProfile | undefined {
    const u = normalize(requestUser);
    return this.byRoute.get(u) ?? this.byRoute.get(u.startsWith('+') ? u.slice(1) : `+${u}`);
  }

  /** Trunk whose source ACL covers the address. */
  trunkForSource(address: string): Trunk | undefined {
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    for (const [trunk, acl] of this.trunkAcl) if (acl.check(address, family)) return trunk;
    return undefined;
  }

  /** Digest credentials (trunks and softphone users) by username, for challenges. */
  credentialFor(username: string): { username: string; password: string } | undefined {
    for (const t of this.file.trunks)
      if (t.username === username && t.password) return { username, password: t.password };
    for (const u of this.file.users) if (u.username === username) return u;
    return undefined;
  }

  /** A source that may call without authenticating: a trunk's range, or loopback when trusted. */
  isTrustedSource(address: string): boolean {
    return (this.trustLoopback && isLoopback(address)) || this.trunkForSource(address) !== undefined;
  }

  /**
   * Decide an inbound INVITE. The caller must come from a trusted source (a trunk's range; loopback
   * only when trusted), authenticate, or arrive via a PBX registration we hold.
   */
  route(req: RouteRequest): RouteDecision {
    const trusted =
      req.viaRegistration === true ||
      req.authenticatedUser !== undefined ||
      this.isTrustedSource(req.sourceAddress);
    if (!trusted) {
      const canChallenge = this.file.trunks.some((t) => t.username) || this.file.users.length > 0;
      return canChallenge
        ? { kind: 'challenge' }
        : { kind: 'reject', status: 403, reason: 'source not allowed' };
    }
    const profile = this.profileFor(req.requestUser);
    if (!profile) return { kind: 'reject', status: 404, reason: 'no agent at this number' };
    const trunk = this.trunkForSource(req.sourceAddress);
    return trunk ? { kind: 'accept', profile, trunk } : { kind: 'accept', profile };
  }

  /** Transfer targets are only ever looked up here, by name or exact URI, from the profile. */
  transferTarget(profile: AgentProfile, nameOrUri: string): string | undefined {
    const t = profile.transferTargets.find((x) => x.name === nameOrUri || x.uri === nameOrUri);
    return t?.uri;
  }
}

export function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1' || address.startsWith('::ffff:127.');
}

function buildAcl(cidrs: string[]): BlockList {
  const list = new BlockList();
  for (const c of cidrs) {
    const [addr, bits] = c.split('/');
    const family = isIP(addr ?? '') === 6 ? 'ipv6' : 'ipv4';
    if (!addr || isIP(addr) === 0) throw new Error(`invalid trunk source "${c}"`);
    const prefix = bits === undefined ? (family === 'ipv6' ? 128 : 32) : Number(bits);
    list.addSubnet(addr, prefix, family);
  }
  return list;
}
