/**
 * Call routing shared by both telephony back-ends: which profile answers a call, which sources are
 * trunks, whose credentials exist. Pure look-ups; admission (telephony/calls) decides with them.
 */
import { BlockList, isIP } from 'node:net';
import type { AgentProfile, ProfilesFile, Registration, Trunk } from '../config/profile-schema.js';

/** What is known about a call when its profile is chosen. */
export interface ProfileQuery {
  /** A profile named outright (the fork's metadata, set by the back-end that admitted the call). */
  named?: string;
  /** The PBX registration the call came through. */
  registration?: Registration;
  /** The number or extension dialled (Request-URI user; the fork's `to`). */
  dialled?: string;
  /** Fall back to the default profile when nothing above matched (else: no profile → 404). */
  fallback: boolean;
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
   * @param opts.trustLoopback loopback callers skip the source/auth check (SWITCHBOARD_SIP_TRUST_LOOPBACK,
   *   config/sip-trust.ts); off unless asked for.
   */
  constructor(
    private readonly file: ProfilesFile,
    opts: { trustLoopback?: boolean } = {},
  ) {
    this.trustLoopback = opts.trustLoopback ?? false;
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

  /** Are there any credentials to ask for (trunks with a username, softphone users)? Else: 403, no challenge. */
  hasCredentials(): boolean {
    return this.file.trunks.some((t) => t.username && t.password) || this.file.users.length > 0;
  }

  /** A source that may call without authenticating: a trunk's range, or loopback when trusted. */
  isTrustedSource(address: string): boolean {
    return (this.trustLoopback && isLoopback(address)) || this.trunkForSource(address) !== undefined;
  }

  /**
   * The profile for a call, the one fallback chain both back-ends and the fork server use: a profile
   * named outright, the registration's own profile, the registration's extension as a route, the
   * number dialled, then (when allowed) the default.
   */
  profileForCall(q: ProfileQuery): AgentProfile | undefined {
    return (
      (q.named ? this.byName.get(q.named) : undefined) ??
      (q.registration?.profile ? this.byName.get(q.registration.profile) : undefined) ??
      (q.registration ? this.profileFor(q.registration.user) : undefined) ??
      (q.dialled ? this.profileFor(q.dialled) : undefined) ??
      (q.fallback ? this.defaultProfile : undefined)
    );
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
