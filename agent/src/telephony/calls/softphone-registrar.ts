/**
 * The softphone registrar's book (RFC 3261 §10.3), the same for both back-ends: digest-authenticated
 * REGISTER for the configured `users` (MD5 or SHA-256, behind the shared lock-out), several contacts
 * per user, Expires bounds (423 with Min-Expires; one default expiry), un-register (Expires: 0,
 * Contact: *), and RFC 5626-style flows: a binding remembers the flow it was made over (requests to it
 * go there) and goes when that connection closes. No sockets: a neutral REGISTER view in, a reply out.
 */
import type { Clock } from '../../time/clock.js';
import type { Logger } from '../../log.js';
import type { DigestGate } from '../../routing/digest-gate.js';
import { formatParams, parseNameAddr } from './sip-uri.js';
import type { CallSource, RegisterRequest, SipReply } from './sip-view.js';

/** Expires bounds and the default, seconds. */
export const REGISTRAR_EXPIRES = { min: 60, max: 3600, default: 600 } as const;

export interface Binding<F extends CallSource = CallSource> {
  /** The user (AoR user part) this contact belongs to. */
  user: string;
  /** Contact URI as registered (may have an .invalid host: reached over `flow`). */
  contact: string;
  /** The connection or UDP source the REGISTER came from; requests to this contact go here. */
  flow: F;
  /** Absolute expiry, clock ms. */
  expiresAt: number;
  instanceId?: string;
  regId?: string;
  callId: string;
  cseq: number;
}

export interface RegistrarOptions {
  clock: Clock;
  /** Digest check (behind the shared lock-out) whose lookup knows only the softphone users. */
  gate: DigestGate;
  isUser(username: string): boolean;
  log: Logger;
  /** Expires bounds, seconds (defaults: REGISTRAR_EXPIRES). */
  minExpires?: number;
  maxExpires?: number;
  defaultExpires?: number;
}

export type RegisterOutcome = { reply: SipReply; event?: 'registered' | 'unregistered' };

export class Registrar<F extends CallSource = CallSource> {
  private readonly bindings = new Map<string, Binding<F>[]>();
  private readonly min: number;
  private readonly max: number;
  private readonly dflt: number;

  constructor(private readonly o: RegistrarOptions) {
    this.min = o.minExpires ?? REGISTRAR_EXPIRES.min;
    this.max = o.maxExpires ?? REGISTRAR_EXPIRES.max;
    this.dflt = Math.min(Math.max(o.defaultExpires ?? REGISTRAR_EXPIRES.default, this.min), this.max);
  }

  /** Answer one REGISTER. */
  register(req: RegisterRequest<F>): RegisterOutcome {
    const { user, source } = req;
    if (!user) return { reply: reply(400, 'No user in To') };
    const denied = this.authenticate(req, user, source);
    if (denied) return { reply: denied };
    const contacts = req.contacts;
    const headerExpires = parseExpires(req.expires);
    if (contacts.length === 1 && contacts[0] === '*') {
      if (headerExpires !== 0) return { reply: reply(400, 'Wildcard needs Expires: 0') };
      this.bindings.delete(user);
      this.o.log.info({ user, source: source.address }, 'sip registrar: all contacts removed');
      return { reply: this.ok(req, user), event: 'unregistered' };
    }
    const parsed = contacts.map((c) => ({ text: c, na: parseNameAddr(c) }));
    if (parsed.some((p) => !p.na || p.text === '*')) return { reply: reply(400, 'Bad Contact') };
    const asked = parsed.map((p) => parseExpires(p.na!.params.expires) ?? headerExpires ?? this.dflt);
    if (asked.some((e) => e > 0 && e < this.min))
      return { reply: reply(423, 'Interval Too Brief', [['Min-Expires', String(this.min)]]) };
    const { callId, cseq } = req;
    parsed.forEach((p, i) => {
      const na = p.na!;
      const b: Binding<F> = {
        user,
        contact: p.text.replace(/^[^<]*<([^>]*)>.*$/, '$1'),
        flow: source,
        expiresAt: this.o.clock.now() + Math.min(asked[i]!, this.max) * 1000,
        callId,
        cseq,
      };
      const instance = na.params['+sip.instance'];
      if (instance !== undefined) b.instanceId = instance;
      if (na.params['reg-id'] !== undefined) b.regId = na.params['reg-id'];
      if (asked[i] === 0) this.remove(user, b);
      else this.upsert(b);
    });
    const left = this.contactsFor(user).length;
    this.o.log.info(
      { user, bindings: left, transport: source.transport },
      'sip registrar: REGISTER accepted',
    );
    const event = asked.every((e) => e === 0) ? 'unregistered' : 'registered';
    return {
      reply: this.ok(
        req,
        user,
        parsed.some((p) => p.na!.params['reg-id'] !== undefined),
      ),
      event,
    };
  }

  /** Live bindings of a user, newest first. */
  contactsFor(user: string): Binding<F>[] {
    const now = this.o.clock.now();
    const list = (this.bindings.get(user) ?? []).filter((b) => b.expiresAt > now);
    if (list.length === 0) this.bindings.delete(user);
    else this.bindings.set(user, list);
    return [...list].reverse();
  }

  isUser(user: string): boolean {
    return this.o.isUser(user);
  }

  hasContacts(user: string): boolean {
    return this.contactsFor(user).length > 0;
  }

  /** The user with a live binding over this connection (a connection-oriented flow), if any. */
  userOnConnection(peer: CallSource): string | undefined {
    if (peer.connectionId === undefined) return undefined;
    for (const user of [...this.bindings.keys()]) {
      if (this.contactsFor(user).some((b) => sameConnection(b.flow, peer))) return user;
    }
    return undefined;
  }

  /** A TCP/WebSocket connection closed: its bindings go with it (RFC 5626 §5.2, RFC 7118 §5). */
  dropConnection(peer: CallSource): void {
    if (peer.connectionId === undefined) return;
    for (const [user, list] of this.bindings) {
      const kept = list.filter((b) => !sameConnection(b.flow, peer));
      if (kept.length === list.length) continue;
      this.o.log.info(
        { user, dropped: list.length - kept.length },
        'sip registrar: flow closed, binding dropped',
      );
      if (kept.length === 0) this.bindings.delete(user);
      else this.bindings.set(user, kept);
    }
  }

  /** Every live binding, for the calls API. */
  list(): Array<{ user: string; contact: string; transport: string; expiresInS: number }> {
    const now = this.o.clock.now();
    return [...this.bindings.keys()].flatMap((u) =>
      this.contactsFor(u).map((b) => ({
        user: u,
        contact: b.contact,
        transport: b.flow.transport,
        expiresInS: Math.round((b.expiresAt - now) / 1000),
      })),
    );
  }

  /** Live bindings in all (readiness). */
  get count(): number {
    return [...this.bindings.keys()].reduce((n, u) => n + this.contactsFor(u).length, 0);
  }

  private authenticate(req: RegisterRequest<F>, user: string, source: F): SipReply | undefined {
    const header = req.authorization;
    const verdict = header
      ? this.o.gate.check(header, 'REGISTER', source.address)
      : this.o.gate.sourceLocked(source.address)
        ? ({ ok: false, reason: 'locked' } as const)
        : ({ ok: false, reason: 'no-credentials' } as const);
    if (verdict.ok) {
      if (verdict.username === user && this.o.isUser(user)) return undefined;
      this.o.log.info({ user, authUser: verdict.username }, 'sip registrar: user may not register this AoR');
      return reply(403);
    }
    if (['bad-response', 'unknown-user', 'replay', 'locked'].includes(verdict.reason)) {
      // Locked-out attempts are refused unchecked; the lock itself was logged once.
      this.o.log[verdict.reason === 'locked' ? 'debug' : 'info'](
        { user, reason: verdict.reason, source: source.address },
        'sip registrar: authentication failed',
      );
      return reply(403);
    }
    const challenges = this.o.gate.challenges(verdict.reason === 'stale', source.address);
    return reply(
      401,
      undefined,
      challenges.map((c): [string, string] => ['WWW-Authenticate', c]),
    );
  }

  private upsert(b: Binding<F>): void {
    const list = (this.bindings.get(b.user) ?? []).filter((x) => !sameBinding(x, b));
    list.push(b);
    this.bindings.set(b.user, list);
  }

  private remove(user: string, b: Binding<F>): void {
    const kept = (this.bindings.get(user) ?? []).filter((x) => !sameBinding(x, b));
    if (kept.length === 0) this.bindings.delete(user);
    else this.bindings.set(user, kept);
  }

  private ok(req: RegisterRequest<F>, user: string, outbound = false): SipReply {
    const res = reply(200);
    const now = this.o.clock.now();
    for (const b of this.contactsFor(user)) {
      const params: Record<string, string> = {
        expires: String(Math.max(0, Math.round((b.expiresAt - now) / 1000))),
      };
      if (b.instanceId !== undefined) params['+sip.instance'] = `"${b.instanceId}"`; // quoted <urn:…>
      if (b.regId !== undefined) params['reg-id'] = b.regId;
      res.headers.push(['Contact', `<${b.contact}>${formatParams(params)}`]);
    }
    if (outbound && req.supported.includes('outbound')) res.headers.push(['Require', 'outbound']);
    return res;
  }
}

function reply(status: number, reason?: string, headers: Array<[string, string]> = []): SipReply {
  return reason ? { status, reason, headers } : { status, headers };
}

function parseExpires(v: string | undefined): number | undefined {
  if (v === undefined || !/^\s*\d{1,10}\s*$/.test(v)) return undefined;
  return Number(v);
}

function sameConnection(a: CallSource, b: CallSource): boolean {
  return a.transport === b.transport && a.connectionId === b.connectionId;
}

/** Same binding: same instance (+reg-id) when the UA gave one (RFC 5626 §6), else the same Contact URI. */
function sameBinding(a: Binding, b: Binding): boolean {
  if (a.instanceId !== undefined && b.instanceId !== undefined)
    return a.instanceId === b.instanceId && a.regId === b.regId;
  return a.contact === b.contact;
}
