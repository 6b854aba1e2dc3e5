/**
 * Registrar for softphones (WSS, or any transport drachtio listens on): REGISTER with digest auth against
 * the configured users, contacts kept with their expiry, lookups for routing INVITEs to a user.
 */
import type { Clock } from '../../audio/clock.js';
import type { SoftphoneUser } from '../../config/profile-schema.js';
import type { Logger } from '../../log.js';
import type { DigestAuthenticator } from './digest-auth.js';
import { expiresOf, headerUri, uriUser } from './sip-utils.js';
import type { SipRequestLike, SipResponseLike } from './types.js';

export interface Binding {
  user: string;
  /** Contact URI the softphone registered. */
  contact: string;
  /** Where to send requests for non-WebSocket contacts (the address the REGISTER came from). */
  proxy?: string;
  protocol: string;
  expiresAt: number;
}

export interface RegistrarOptions {
  users: SoftphoneUser[];
  digest: DigestAuthenticator;
  clock: Clock;
  log: Logger;
  defaultExpiresS?: number;
  maxExpiresS?: number;
  minExpiresS?: number;
}

export class Registrar {
  private readonly bindings = new Map<string, Map<string, Binding>>();
  private readonly users: Map<string, SoftphoneUser>;

  constructor(private readonly o: RegistrarOptions) {
    this.users = new Map(o.users.map((u) => [u.username, u]));
  }

  handleRegister(req: SipRequestLike, res: SipResponseLike): void {
    const auth = this.o.digest.verify('REGISTER', req.get('Authorization'), (u) => this.users.get(u));
    if (!auth.ok) {
      if (auth.reason === 'missing' || auth.reason === 'stale' || auth.reason === 'realm') {
        res.send(401, { headers: { 'WWW-Authenticate': this.o.digest.challenge(auth.reason === 'stale') } });
      } else {
        this.o.log.warn({ reason: auth.reason, source: req.source_address }, 'REGISTER refused');
        res.send(403);
      }
      return;
    }
    const aorUser = uriUser(req.get('To') ?? '');
    if (aorUser !== auth.username) {
      res.send(403, 'Forbidden', {
        headers: { Warning: '399 switchboard "credentials do not match the To user"' },
      });
      return;
    }
    const contactHeader = req.get('Contact') ?? '';
    const requested = expiresOf(contactHeader, req.get('Expires')) ?? this.o.defaultExpiresS ?? 3600;
    if (contactHeader.trim() === '*') {
      if (requested !== 0) return res.send(400);
      this.bindings.delete(aorUser);
      return res.send(200);
    }
    if (!contactHeader) return this.reply(res, aorUser);
    const min = this.o.minExpiresS ?? 60;
    if (requested > 0 && requested < min) {
      res.send(423, 'Interval Too Brief', { headers: { 'Min-Expires': String(min) } });
      return;
    }
    const contact = headerUri(contactHeader);
    const granted = Math.min(requested, this.o.maxExpiresS ?? 3600);
    this.store(aorUser, contact, granted, req);
    this.reply(res, aorUser);
  }

  private store(user: string, contact: string, expiresS: number, req: SipRequestLike): void {
    const forUser = this.bindings.get(user) ?? new Map<string, Binding>();
    if (expiresS === 0) {
      forUser.delete(contact);
      this.o.log.info({ user }, 'softphone unregistered');
    } else {
      const protocol = (req.protocol ?? 'udp').toLowerCase();
      const b: Binding = { user, contact, protocol, expiresAt: this.o.clock.now() + expiresS * 1000 };
      if (!/transport=wss?/i.test(contact) && protocol !== 'ws' && protocol !== 'wss' && req.source_port) {
        b.proxy = `sip:${req.source_address}:${req.source_port};transport=${protocol}`;
      }
      forUser.set(contact, b);
      this.o.log.info({ user, protocol, expiresS }, 'softphone registered');
    }
    if (forUser.size) this.bindings.set(user, forUser);
    else this.bindings.delete(user);
  }

  private reply(res: SipResponseLike, user: string): void {
    const now = this.o.clock.now();
    const contacts = [...(this.bindings.get(user)?.values() ?? [])]
      .filter((b) => b.expiresAt > now)
      .map((b) => `<${b.contact}>;expires=${Math.ceil((b.expiresAt - now) / 1000)}`);
    res.send(200, contacts.length ? { headers: { Contact: contacts.join(', ') } } : {});
  }

  /** The most recently refreshed live binding of a user, if any. */
  lookup(user: string): Binding | undefined {
    const now = this.o.clock.now();
    const forUser = this.bindings.get(user);
    if (!forUser) return undefined;
    let best: Binding | undefined;
    for (const [contact, b] of forUser) {
      if (b.expiresAt <= now) forUser.delete(contact);
      else if (!best || b.expiresAt > best.expiresAt) best = b;
    }
    if (forUser.size === 0) this.bindings.delete(user);
    return best;
  }

  isUser(user: string): boolean {
    return this.users.has(user);
  }

  get count(): number {
    let n = 0;
    for (const user of [...this.bindings.keys()])
      if (this.lookup(user)) n += this.bindings.get(user)?.size ?? 0;
    return n;
  }
}
