/**
 * Registrar (RFC 3261 §10.3) for the configured softphone `users`: digest-authenticated REGISTER
 * (MD5 or SHA-256, via DigestVerifier), several contacts per user, Expires bounds (423 with
 * Min-Expires), un-register (Expires: 0, Contact: *), and RFC 5626-style flows: a binding remembers
 * the connection it was made over, requests to it go over that connection, and the binding is dropped
 * when the connection closes. No sockets here: REGISTER in, response out.
 */
import type { Clock } from '../../audio/clock.js';
import type { Logger } from '../../log.js';
import type { DigestGate } from '../../routing/digest-gate.js';
import { newTag } from './sip/ids.js';
import { buildResponse, parseCSeq, toHeader, type SipRequest, type SipResponse } from './sip/message.js';
import type { SipPeer } from './sip/transport.js';
import { formatParams, parseNameAddr } from './sip/uri.js';

export interface Binding {
  /** The user (AoR user part) this contact belongs to. */
  user: string;
  /** Contact URI as registered (may have an .invalid host: reached over `flow`). */
  contact: string;
  /** The connection or UDP source the REGISTER came from; requests to this contact go here. */
  flow: SipPeer;
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
  userAgent?: string;
  /** Expires bounds, seconds (defaults 60 / 3600 / 600). */
  minExpires?: number;
  maxExpires?: number;
  defaultExpires?: number;
}

export type RegisterOutcome = { response: SipResponse; event?: 'registered' | 'unregistered' };

export class Registrar {
  private readonly bindings = new Map<string, Binding[]>();
  private readonly min: number;
  private readonly max: number;
  private readonly dflt: number;

  constructor(private readonly o: RegistrarOptions) {
    this.min = o.minExpires ?? 60;
    this.max = o.maxExpires ?? 3600;
    this.dflt = Math.min(Math.max(o.defaultExpires ?? 600, this.min), this.max);
  }

  /** Answer one REGISTER that arrived from `source`. */
  register(req: SipRequest, source: SipPeer): RegisterOutcome {
    const user = toHeader(req)?.uri.user;
    if (!user) return { response: this.response(req, 400, 'No user in To') };
    const denied = this.authenticate(req, user, source);
    if (denied) return { response: denied };
    const contacts = req.headers.getAll('contact');
    const headerExpires = parseExpires(req.headers.get('expires'));
    if (contacts.length === 1 && contacts[0] === '*') {
      if (headerExpires !== 0) return { response: this.response(req, 400, 'Wildcard needs Expires: 0') };
      this.bindings.delete(user);
      this.o.log.info({ user, source: source.address }, 'sip registrar: all contacts removed');
      return { response: this.ok(req, user), event: 'unregistered' };
    }
    const parsed = contacts.map((c) => ({ text: c, na: parseNameAddr(c) }));
    if (parsed.some((p) => !p.na || p.text === '*'))
      return { response: this.response(req, 400, 'Bad Contact') };
    const asked = parsed.map((p) => parseExpires(p.na!.params.expires) ?? headerExpires ?? this.dflt);
    if (asked.some((e) => e > 0 && e < this.min)) {
      const res = this.response(req, 423);
      res.headers.append('Min-Expires', String(this.min));
      return { response: res };
    }
    const callId = req.headers.get('call-id') ?? '';
    const cseq = parseCSeq(req.headers.get('cseq'))?.seq ?? 0;
    parsed.forEach((p, i) => {
      const na = p.na!;
      const b: Binding = {
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
      response: this.ok(
        req,
        user,
        parsed.some((p) => p.na!.params['reg-id'] !== undefined),
      ),
      event,
    };
  }

  /** Live bindings of a user, newest first. */
  contactsFor(user: string): Binding[] {
    const now = this.o.clock.now();
    const list = (this.bindings.get(user) ?? []).filter((b) => b.expiresAt > now);
    if (list.length === 0) this.bindings.delete(user);
    else this.bindings.set(user, list);
    return [...list].reverse();
  }

  isUser(user: string): boolean {
    return this.o.isUser(user);
  }

  /** The user with a live binding over this connection (a connection-oriented flow), if any. */
  userOnConnection(peer: SipPeer): string | undefined {
    if (peer.connectionId === undefined) return undefined;
    for (const user of [...this.bindings.keys()]) {
      if (this.contactsFor(user).some((b) => sameConnection(b.flow, peer))) return user;
    }
    return undefined;
  }

  /** A TCP/WebSocket connection closed: its bindings go with it (RFC 5626 §5.2, RFC 7118 §5). */
  dropConnection(peer: SipPeer): void {
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

  private authenticate(req: SipRequest, user: string, source: SipPeer): SipResponse | undefined {
    const header = req.headers.get('authorization');
    const verdict = header
      ? this.o.gate.check(header, 'REGISTER', source.address)
      : this.o.gate.sourceLocked(source.address)
        ? ({ ok: false, reason: 'locked' } as const)
        : ({ ok: false, reason: 'no-credentials' } as const);
    if (verdict.ok) {
      if (verdict.username === user && this.o.isUser(user)) return undefined;
      this.o.log.info({ user, authUser: verdict.username }, 'sip registrar: user may not register this AoR');
      return this.response(req, 403);
    }
    if (['bad-response', 'unknown-user', 'replay', 'locked'].includes(verdict.reason)) {
      // Locked-out attempts are refused unchecked; the lock itself was logged once.
      this.o.log[verdict.reason === 'locked' ? 'debug' : 'info'](
        { user, reason: verdict.reason, source: source.address },
        'sip registrar: authentication failed',
      );
      return this.response(req, 403);
    }
    const res = this.response(req, 401);
    for (const c of this.o.gate.challenges(verdict.reason === 'stale', source.address))
      res.headers.append('WWW-Authenticate', c);
    return res;
  }

  private upsert(b: Binding): void {
    const list = (this.bindings.get(b.user) ?? []).filter((x) => !sameBinding(x, b));
    list.push(b);
    this.bindings.set(b.user, list);
  }

  private remove(user: string, b: Binding): void {
    const kept = (this.bindings.get(user) ?? []).filter((x) => !sameBinding(x, b));
    if (kept.length === 0) this.bindings.delete(user);
    else this.bindings.set(user, kept);
  }

  private ok(req: SipRequest, user: string, outbound = false): SipResponse {
    const res = this.response(req, 200);
    const now = this.o.clock.now();
    for (const b of this.contactsFor(user)) {
      const params: Record<string, string> = {
        expires: String(Math.max(0, Math.round((b.expiresAt - now) / 1000))),
      };
      if (b.instanceId !== undefined) params['+sip.instance'] = `"${b.instanceId}"`; // quoted <urn:…>
      if (b.regId !== undefined) params['reg-id'] = b.regId;
      res.headers.append('Contact', `<${b.contact}>${formatParams(params)}`);
    }
    const supported = req.headers.getAll('supported').map((s) => s.toLowerCase());
    if (outbound && supported.includes('outbound')) res.headers.append('Require', 'outbound');
    return res;
  }

  private response(req: SipRequest, status: number, reason?: string): SipResponse {
    const res = buildResponse(req, status, { toTag: newTag(), ...(reason ? { reason } : {}) });
    res.headers.append('Server', this.o.userAgent ?? 'Switchboard');
    return res;
  }
}

function parseExpires(v: string | undefined): number | undefined {
  if (v === undefined || !/^\s*\d{1,10}\s*$/.test(v)) return undefined;
  return Number(v);
}

function sameConnection(a: SipPeer, b: SipPeer): boolean {
  return a.transport === b.transport && a.connectionId === b.connectionId;
}

/** Same binding: same instance (+reg-id) when the UA gave one (RFC 5626 §6), else the same Contact URI. */
function sameBinding(a: Binding, b: Binding): boolean {
  if (a.instanceId !== undefined && b.instanceId !== undefined)
    return a.instanceId === b.instanceId && a.regId === b.regId;
  return a.contact === b.contact;
}
