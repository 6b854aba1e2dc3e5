/**
 * The embedded SIP gateway: answers INVITEs on UDP/TCP/WS/WSS, routes them to agent profiles, hands
 * each call's media to a CallMedia, keeps PBX registrations, registers softphone users and bridges calls
 * between them (UserCall), and refuses what it does not serve with the proper status. Thin wiring over
 * the SIP endpoint (sip/), the Registrar, and the per-call CallSession / UserCall.
 */
import type { Logger } from '../../log.js';
import { DigestVerifier } from '../../routing/digest-verifier.js';
import { RegistrationClient, type RegistrationStatus } from '../../routing/registration.js';
import { isScannerUserAgent, SourceRateLimiter } from './abuse-guard.js';
import { CallSession } from './call-session.js';
import {
  ACCEPT,
  ALLOW,
  KNOWN_UNSUPPORTED,
  SUPPORTED_EXTENSIONS,
  type SipGatewayOptions,
} from './gateway-options.js';
import { admitInvite, admitUserCall } from './invite-admission.js';
import { Registrar } from './registrar.js';
import { EndpointRegisterSender } from './registration-sender.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from './sip/codec.js';
import { dialogIdOf } from './sip/dialog.js';
import { SipEndpoint, type IncomingRequest } from './sip/endpoint.js';
import { newTag } from './sip/ids.js';
import { buildResponse, type SipRequest, type SipResponse } from './sip/message.js';
import type { InviteServerTransaction } from './sip/server-transaction.js';
import { DEFAULT_TIMERS } from './sip/timers.js';
import { SipTransport, type SipPeer } from './sip/transport.js';
import { parseUri } from './sip/uri.js';
import type { TransportName } from './sip/via.js';
import { UserCall } from './user-call.js';

export type { SipGatewayOptions } from './gateway-options.js';

export interface ActiveCallInfo {
  callId: string;
  profile: string;
  state: CallSession['state'];
}

export class SipGateway {
  private readonly transport: SipTransport;
  private readonly endpoint: SipEndpoint;
  private readonly sessions = new Map<string, CallSession>();
  private readonly byInvite = new WeakMap<InviteServerTransaction, CallSession | UserCall>();
  /** User-to-user calls by each of their dialog ids (caller leg and answered callee leg). */
  private readonly userCalls = new Map<string, UserCall>();
  readonly registrar: Registrar;
  private readonly verifier: DigestVerifier;
  private readonly limiter: SourceRateLimiter | undefined;
  private readonly registrationClients: RegistrationClient[] = [];
  private readonly log: Logger;
  private readonly userAgent: string;
  private started = false;

  constructor(private readonly o: SipGatewayOptions) {
    this.log = o.log.child({ component: 'sip-gateway' });
    this.userAgent = o.userAgent ?? 'Switchboard';
    this.transport = new SipTransport({
      host: o.host,
      port: o.port,
      transports: o.transports,
      maxMessageBytes: o.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      log: this.log,
      ...(o.wsPort !== undefined ? { wsPort: o.wsPort } : {}),
      ...(o.wssPort !== undefined ? { wssPort: o.wssPort } : {}),
      ...(o.tls ? { tls: o.tls } : {}),
    });
    this.endpoint = new SipEndpoint({
      transport: this.transport,
      clock: o.clock,
      timers: { ...DEFAULT_TIMERS, ...o.timers },
      maxMessageBytes: o.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      advertisedHost: o.externalHost ?? o.host,
      log: this.log,
      screen: (req, source) => this.screen(req, source),
    });
    this.endpoint.onRequest = (incoming) => this.onRequest(incoming);
    this.verifier = new DigestVerifier({
      realm: o.realm ?? 'switchboard',
      clock: o.clock,
      lookup: (u) => o.router.credentialFor(u),
      ...(o.digestAlgorithms ? { algorithms: o.digestAlgorithms } : {}),
    });
    this.registrar = this.createRegistrar();
    this.transport.onConnectionClosed((peer) => {
      this.registrar.dropConnection(peer);
      for (const call of new Set(this.userCalls.values())) call.flowClosed(peer);
    });
    if (o.rateLimit) this.limiter = new SourceRateLimiter(o.clock, o.rateLimit.perSecond, o.rateLimit.burst);
    o.registrations.forEach((registration, i) => {
      const id = `r${i}`;
      this.registrationClients.push(
        new RegistrationClient({
          id,
          registration,
          sender: new EndpointRegisterSender(this.endpoint, registration),
          clock: o.clock,
          log: this.log,
          ...(o.registrationBackoff
            ? { backoffBaseMs: o.registrationBackoff.baseMs, backoffMaxMs: o.registrationBackoff.maxMs }
            : {}),
        }),
      );
    });
  }

  async start(): Promise<void> {
    await this.transport.start();
    this.started = true;
    this.log.info(
      {
        host: this.o.host,
        udpPort: this.localPort('udp'),
        tcpPort: this.localPort('tcp'),
        ...(this.o.transports.includes('ws') ? { wsPort: this.localPort('ws') } : {}),
        ...(this.o.transports.includes('wss') ? { wssPort: this.localPort('wss') } : {}),
        transports: this.o.transports,
      },
      'sip gateway listening',
    );
    for (const r of this.registrationClients) r.start();
  }

  /** BYE every call and un-REGISTER, bounded by stopTimeoutMs; then close the sockets. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    const bound = this.o.stopTimeoutMs ?? 3000;
    const work = Promise.all([
      ...[...this.sessions.values()].map((c) => c.hangup('shutdown')),
      ...[...new Set(this.userCalls.values())].map((c) => c.hangup('shutdown')),
      ...this.registrationClients.map((r) => r.stop(bound)),
    ]);
    let timer: ReturnType<SipGatewayOptions['clock']['setTimeout']> | undefined;
    await Promise.race([work, new Promise<void>((r) => (timer = this.o.clock.setTimeout(r, bound)))]);
    if (timer) this.o.clock.clearTimeout(timer);
    for (const c of this.sessions.values()) c.media.stop('shutdown');
    this.sessions.clear();
    this.userCalls.clear();
    this.endpoint.clear();
    await this.transport.stop();
    this.log.info('sip gateway stopped');
  }

  localPort(transport: TransportName): number {
    return this.transport.localPort(transport);
  }

  /** Registered softphone contacts, for the calls API. */
  registeredUsers(): ReturnType<Registrar['list']> {
    return this.registrar.list();
  }

  get activeCalls(): number {
    return this.sessions.size;
  }

  /** Calls in progress, for the calls API and /readyz. */
  callList(): ActiveCallInfo[] {
    return [...this.sessions.values()].map((c) => ({
      callId: c.callId,
      profile: c.profile.name,
      state: c.state,
    }));
  }

  registrationStates(): RegistrationStatus[] {
    return this.registrationClients.map((r) => r.status());
  }

  private screen(req: SipRequest, source: SipPeer): 'drop' | undefined {
    if (isScannerUserAgent(req.headers.get('user-agent'))) {
      this.log.info({ source: source.address }, 'sip scanner dropped');
      return 'drop';
    }
    return undefined;
  }

  private onRequest(incoming: IncomingRequest): void {
    const { req, tx } = incoming;
    if (req.method === 'ACK') {
      const id = dialogIdOf(req);
      const call = id ? (this.sessions.get(id) ?? this.userCalls.get(id)) : undefined;
      call?.handle(incoming);
      return;
    }
    if (!tx) return;
    const refusal = this.refusal(incoming);
    if (refusal === 'drop') return tx.terminate();
    if (refusal) return tx.respond(refusal);
    if (req.method === 'CANCEL') {
      const inv = this.endpoint.inviteFor(req);
      const call = inv ? this.byInvite.get(inv) : undefined;
      if (call) call.cancel(req, tx);
      else tx.respond(this.response(req, 481));
      return;
    }
    const id = dialogIdOf(req);
    if (id !== undefined) {
      const call = this.sessions.get(id) ?? this.userCalls.get(id);
      if (call) call.handle(incoming);
      else tx.respond(this.response(req, 481));
      return;
    }
    if (req.method === 'OPTIONS') return tx.respond(this.withCapabilities(this.response(req, 200)));
    if (req.method === 'REGISTER') return tx.respond(this.registrar.register(req, incoming.source).response);
    if (req.method === 'INVITE')
      return this.newCall(incoming as IncomingRequest & { tx: InviteServerTransaction });
    tx.respond(this.response(req, 481));
  }

  /** Rate limits, unsupported methods and extensions, hop count: the response to send, 'drop', or nothing. */
  private refusal({ req, source }: IncomingRequest): SipResponse | 'drop' | undefined {
    const fresh = req.method === 'REGISTER' || (req.method === 'INVITE' && dialogIdOf(req) === undefined);
    if (fresh && this.limiter && !this.limiter.take(source.address)) {
      this.log.warn({ source: source.address, method: req.method }, 'sip rate limit exceeded');
      if (this.o.rateLimit?.action === 'drop') return 'drop';
      const res = this.response(req, 503);
      res.headers.append('Retry-After', String(this.limiter.retryAfterSeconds()));
      return res;
    }
    if (!ALLOW.includes(req.method)) {
      if (!KNOWN_UNSUPPORTED.includes(req.method)) return this.response(req, 501);
      return this.withCapabilities(this.response(req, 405));
    }
    if (req.headers.get('max-forwards')?.trim() === '0' && req.method !== 'OPTIONS')
      return this.response(req, 483, 'Too Many Hops');
    if (req.method === 'CANCEL') return undefined;
    const unsupported = req.headers
      .getAll('require')
      .filter((t) => !SUPPORTED_EXTENSIONS.includes(t.toLowerCase()));
    if (unsupported.length > 0) {
      const res = this.response(req, 420);
      res.headers.append('Unsupported', unsupported.join(', '));
      return res;
    }
    return undefined;
  }

  private newCall(incoming: IncomingRequest & { tx: InviteServerTransaction }): void {
    const { req, tx, source } = incoming;
    tx.respond(this.response(req, 100));
    const type = (req.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (req.body.trim() === '' || type !== ACCEPT) {
      const res = this.response(
        req,
        req.body.trim() === '' ? 488 : 415,
        req.body.trim() === '' ? 'Offer Required' : undefined,
      );
      res.headers.append('Accept', ACCEPT);
      return tx.respond(res);
    }
    const requestUser = parseUri(req.uri)?.user;
    if (requestUser && !this.o.router.profileFor(requestUser) && this.registrar.isUser(requestUser))
      return this.newUserCall(incoming, requestUser);
    const admission = admitInvite(this.admissionDeps(), req, source);
    const callId = req.headers.get('call-id');
    if (admission.kind === 'reject') {
      this.log.info(
        { callId, status: admission.status, reason: admission.reason, source: source.address },
        'sip call refused',
      );
      return tx.respond(this.response(req, admission.status));
    }
    if (admission.kind === 'challenge') {
      const res = this.response(req, 407);
      for (const c of this.verifier.challenges(admission.stale)) res.headers.append('Proxy-Authenticate', c);
      return tx.respond(res);
    }
    const contact = this.contactFor(source.transport);
    const call = new CallSession(
      {
        endpoint: this.endpoint,
        clock: this.o.clock,
        log: this.log,
        router: this.o.router,
        createMedia: this.o.createMedia,
        ringMs: this.o.ringMs ?? 0,
        transferTimeoutMs: this.o.transferTimeoutMs ?? 30_000,
        userAgent: this.userAgent,
        onEnded: (c) => this.sessions.delete(c.dialogId),
      },
      incoming,
      admission.profile,
      contact,
    );
    this.log.info(
      {
        callId,
        profile: admission.profile.name,
        via: admission.via,
        source: source.address,
        transport: source.transport,
      },
      'sip new call',
    );
    this.sessions.set(call.dialogId, call);
    this.byInvite.set(tx, call);
    call.begin();
  }

  /** A call to a softphone user's AoR: bridged to their registered contacts (480 when none). */
  private newUserCall(incoming: IncomingRequest & { tx: InviteServerTransaction }, user: string): void {
    const { req, tx, source } = incoming;
    const callId = req.headers.get('call-id');
    const admission = admitUserCall(this.admissionDeps(), req, source);
    if (admission.kind === 'challenge') {
      const res = this.response(req, 407);
      for (const c of this.verifier.challenges(admission.stale)) res.headers.append('Proxy-Authenticate', c);
      return tx.respond(res);
    }
    if (admission.kind === 'reject') {
      this.log.info({ callId, status: 403, reason: admission.reason }, 'sip user call refused');
      return tx.respond(this.response(req, 403));
    }
    const targets = this.registrar.contactsFor(user);
    if (targets.length === 0) {
      this.log.info({ callId, callee: user }, 'sip user call: callee not registered');
      return tx.respond(this.response(req, 480));
    }
    const call = new UserCall(
      {
        endpoint: this.endpoint,
        clock: this.o.clock,
        log: this.log,
        userAgent: this.userAgent,
        contactFor: (t) => this.contactFor(t),
        noAnswerMs: this.o.noAnswerMs ?? 60_000,
        onDialog: (id, c) => this.userCalls.set(id, c),
        onEnded: (c) => {
          for (const id of c.dialogIds()) this.userCalls.delete(id);
        },
      },
      incoming,
      user,
      targets,
    );
    this.log.info(
      { callId, callee: user, caller: admission.caller, transport: source.transport },
      'sip user call',
    );
    this.byInvite.set(tx, call);
    call.begin();
  }

  private admissionDeps(): Parameters<typeof admitInvite>[0] {
    return {
      router: this.o.router,
      verifier: this.verifier,
      registrations: this.registrationClients,
      connectionUser: (source) => this.registrar.userOnConnection(source),
    };
  }

  private createRegistrar(): Registrar {
    const users = new Map((this.o.users ?? []).map((u) => [u.username, u]));
    return new Registrar({
      clock: this.o.clock,
      log: this.log,
      userAgent: this.userAgent,
      isUser: (u) => users.has(u),
      verifier: new DigestVerifier({
        realm: this.o.realm ?? 'switchboard',
        clock: this.o.clock,
        lookup: (u) => users.get(u),
        ...(this.o.digestAlgorithms ? { algorithms: this.o.digestAlgorithms } : {}),
      }),
      ...this.o.registrar,
    });
  }

  /** Our Contact for a dialog over this transport (RFC 7118 §5: transport=ws/wss). */
  private contactFor(transport: TransportName): string {
    const param = transport === 'udp' ? '' : `;transport=${transport}`;
    return `<sip:switchboard@${this.endpoint.advertisedHost}:${this.localPort(transport)}${param}>`;
  }

  private response(req: SipRequest, status: number, reason?: string): SipResponse {
    // Responses other than 100 carry a To tag when the request had none (RFC 3261 §8.2.6.2).
    const res = buildResponse(req, status, {
      ...(reason ? { reason } : {}),
      ...(status > 100 ? { toTag: newTag() } : {}),
    });
    res.headers.append('Server', this.userAgent);
    return res;
  }

  private withCapabilities(res: SipResponse): SipResponse {
    res.headers.append('Allow', ALLOW.join(', '));
    res.headers.append('Accept', ACCEPT);
    if (SUPPORTED_EXTENSIONS.length > 0) res.headers.append('Supported', SUPPORTED_EXTENSIONS.join(', '));
    return res;
  }
}
