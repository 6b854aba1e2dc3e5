/**
 * The agent's registrations to PBXs, the same on both back-ends: one RegistrationClient per configured
 * registration (digest, refresh, back-off, un-REGISTER on stop), the registrar found by resolving its
 * name here, and the random Contact user only that PBX learns. What admission needs to recognise the
 * calls the PBX sends back (RegistrationRoute) comes from here. A back-end only supplies the
 * RegisterTransport: how one REGISTER reaches an address, and what our Contact looks like.
 * The registrar is located as RFC 3263 says (sip-target.ts: NAPTR, SRV, then A; sips: or
 * ;transport=tls means TLS); 423 handling and keepalives are in the client.
 */
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import type { Clock, TimerHandle } from '../../time/clock.js';
import type { Registration } from '../../config/profile-schema.js';
import type { Logger } from '../../log.js';
import { callTimeouts, type CallTimeouts } from './call-timeouts.js';
import {
  parseSipTarget,
  resolveSipTarget,
  systemSipDns,
  type SipDns,
  type TargetTransport,
} from './sip-target.js';
import {
  RegistrationClient,
  type RegisterMessage,
  type RegisterReply,
  type RegisterSender,
  type RegistrationStatus,
} from './registration-client.js';

/** A PBX registration as admission sees it. */
export interface RegistrationRoute {
  registration: Registration;
  /** The random user part of the Contact we registered: only that PBX knows it. */
  contactUser: string;
  /** Addresses the registrar's name resolved to (an IP literal is its own). */
  addresses(): readonly string[];
}

/** Where one REGISTER goes. */
export interface RegistrarDestination {
  transport: TargetTransport;
  address: string;
  port: number;
  /** TLS: the registrar's domain its certificate must name (the URI's host). */
  servername?: string;
}

/** The back-end's part of a registration. */
export interface RegisterTransport {
  /** Send one REGISTER in its own transaction; resolve with its final response (a timeout: 408). */
  send(msg: RegisterMessage, dest: RegistrarDestination): Promise<RegisterReply>;
  /** Our Contact URI for a registration over `transport` (the PBX sends calls there). */
  contactUri(contactUser: string, transport: TargetTransport): string;
  /** One OPTIONS to the registrar; its final status. Absent: this back-end sends no keepalives. */
  options?(dest: RegistrarDestination, aor: string): Promise<number>;
  /** A CRLF keep-alive ping over the TCP/TLS connection to the registrar: whether the pong came. */
  crlfPing?(dest: RegistrarDestination): Promise<boolean>;
}

/** Addresses remembered per registrar (a name may resolve differently over time). */
const MAX_ADDRESSES = 8;

/** One registration's sender: resolves the registrar, bounds the wait, hands the REGISTER to the back-end. */
class RegistrarSender implements RegisterSender, RegistrationRoute {
  readonly contactUser: string;
  private readonly resolved: string[] = [];
  /** Targets passed over because they did not answer. */
  private skipped = 0;

  constructor(
    readonly registration: Registration,
    private readonly transport: RegisterTransport,
    private readonly dns: SipDns,
    private readonly clock: Clock,
    private readonly timeoutMs: number,
  ) {
    // `<extension>-<128 random bits>`: the PBX sends calls to it; nobody else can guess it.
    this.contactUser = `${registration.user}-${randomBytes(16).toString('hex')}`;
    const host = parseSipTarget(registration.registrar)?.host;
    if (host && isIP(host) !== 0) this.resolved.push(host);
    this.lastTransport = this.staticTransport();
  }

  /** The transport the registrar URI or the configuration names (DNS may choose when neither does). */
  private staticTransport(): TargetTransport {
    return parseSipTarget(this.registration.registrar)?.transport ?? this.registration.transport ?? 'udp';
  }

  /** The transport of the last destination (what our Contact and keepalives use). */
  private lastTransport: TargetTransport;

  currentTransport(): TargetTransport {
    return this.lastTransport;
  }

  addresses(): readonly string[] {
    return this.resolved;
  }

  contactUri(): string {
    return this.transport.contactUri(this.contactUser, this.lastTransport);
  }

  /**
   * The keepalive for the current transport, when the back-end can send it: an OPTIONS over UDP, a
   * CRLF ping over TCP/TLS (RFC 5626 §4.4.1; its pong counts as 200). Unanswered: 408.
   */
  get ping(): (() => Promise<number>) | undefined {
    const options = this.transport.options?.bind(this.transport);
    const crlf = this.transport.crlfPing?.bind(this.transport);
    const udp = this.lastTransport === 'udp';
    if (udp ? !options : !crlf) return undefined;
    return async () => {
      const dest = await this.destination();
      if (!dest) return 503;
      const host = parseSipTarget(this.registration.registrar)!.host;
      const status =
        udp || !crlf
          ? options!(dest, `sip:${this.registration.user}@${host}`)
          : crlf(dest).then((pong) => (pong ? 200 : 408));
      const reply = await this.bounded(status.then((s) => ({ status: s, reason: '', headers: [] })));
      return reply.status;
    };
  }

  async send(msg: RegisterMessage): Promise<RegisterReply> {
    const dest = await this.destination();
    if (!dest) return { status: 503, reason: 'registrar address not resolvable', headers: [] };
    // The Contact names the transport DNS chose (the digest does not cover it).
    const contact = `<${this.contactUri()}>`;
    const headers = msg.headers.map(([n, v]): [string, string] => [
      n,
      n === 'Contact' && v !== '*' ? contact : v,
    ]);
    const reply = await this.bounded(this.transport.send({ ...msg, headers }, dest));
    if (reply.status === 408) this.skipped++;
    return reply;
  }

  /** The back-end's answer, or 408 after timeoutMs; a throw is a 503. */
  private async bounded(pending: Promise<RegisterReply>): Promise<RegisterReply> {
    let timer: TimerHandle | undefined;
    const timeout = new Promise<RegisterReply>(
      (r) =>
        (timer = this.clock.setTimeout(
          () => r({ status: 408, reason: 'no answer from the registrar', headers: [] }),
          this.timeoutMs,
        )),
    );
    const sent = pending.catch((err: Error): RegisterReply => ({
      status: 503,
      reason: err.message,
      headers: [],
    }));
    try {
      return await Promise.race([sent, timeout]);
    } finally {
      if (timer) this.clock.clearTimeout(timer);
    }
  }

  private async destination(): Promise<RegistrarDestination | undefined> {
    const t = parseSipTarget(this.registration.registrar);
    const hops = await resolveSipTarget(this.registration.registrar, this.dns, {
      ...(this.registration.transport ? { transport: this.registration.transport } : {}),
    });
    // After a target did not answer, the next one in RFC 3263 order (wrapping round).
    const hop = hops[this.skipped % Math.max(1, hops.length)];
    if (!t || !hop) return undefined;
    if (!this.resolved.includes(hop.address)) {
      this.resolved.push(hop.address);
      if (this.resolved.length > MAX_ADDRESSES) this.resolved.shift();
    }
    this.lastTransport = hop.transport;
    return hop;
  }
}

export interface PbxRegistrationsOptions {
  registrations: readonly Registration[];
  transport: RegisterTransport;
  clock: Clock;
  log: Logger;
  timeouts?: Partial<CallTimeouts>;
  /** Retry back-off (defaults: 1 s doubling to 60 s, with jitter). */
  backoff?: { baseMs: number; maxMs: number };
  /** DNS for locating registrars (RFC 3263); default: the system's. */
  dns?: SipDns;
  onStateChange?(status: RegistrationStatus): void;
}

export class PbxRegistrations {
  readonly routes: readonly RegistrationRoute[];
  private readonly clients: RegistrationClient[];
  private running = false;

  constructor(o: PbxRegistrationsOptions) {
    const registerMs = callTimeouts(o.timeouts).registerMs;
    const senders = o.registrations.map(
      (r) => new RegistrarSender(r, o.transport, o.dns ?? systemSipDns(), o.clock, registerMs),
    );
    this.routes = senders;
    this.clients = senders.map(
      (sender, i) =>
        new RegistrationClient({
          id: `r${i}`,
          registration: sender.registration,
          sender,
          clock: o.clock,
          log: o.log,
          ...(o.backoff ? { backoffBaseMs: o.backoff.baseMs, backoffMaxMs: o.backoff.maxMs } : {}),
          ...(o.onStateChange ? { onStateChange: o.onStateChange } : {}),
        }),
    );
  }

  /** Register now (again, e.g. after the back-end reconnected: the binding may be gone). */
  start(): void {
    this.running = true;
    for (const c of this.clients) c.start();
  }

  /** Un-REGISTER every binding, bounded by timeoutMs. */
  async stop(timeoutMs: number): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await Promise.all(this.clients.map((c) => c.stop(timeoutMs)));
  }

  statuses(): RegistrationStatus[] {
    return this.clients.map((c) => c.status());
  }

  /** Calls from here come from a PBX we register with (trusted like a trunk, no per-source caps). */
  isRegistrarAddress(address: string): boolean {
    return this.routes.some((r) => r.addresses().includes(address));
  }
}
