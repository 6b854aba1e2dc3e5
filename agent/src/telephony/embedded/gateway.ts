/**
 * The embedded SIP gateway: the plumbing of the embedded back-end. Answers INVITEs on UDP/TCP/WS/WSS,
 * hands each call's media to a CallMedia, registers softphone users and bridges calls between them
 * (UserCall), and refuses what it does not serve with the proper status. What to do with a request is
 * decided by the shared call control (../calls: admission, the registrar book, PBX registrations, the
 * per-call controller inside CallSession); the abuse guard (rate limit, caps) screens first.
 */
import type { Logger } from '../../log.js';
import { admitCall, type AdmissionDeps } from '../calls/admission.js';
import { createCallAuth, type CallAuth } from '../calls/call-auth.js';
import { callTimeouts } from '../calls/call-timeouts.js';
import { PbxRegistrations } from '../calls/pbx-registrations.js';
import type { RegistrationStatus } from '../calls/registration-client.js';
import { Registrar } from '../calls/softphone-registrar.js';
import type { IncomingCall, RegisterRequest } from '../calls/sip-view.js';
import { GatewayGuard, RefusalLogGate } from './abuse-guard.js';
import { CallSession } from './call-session.js';
import { ACCEPT, DEFAULT_GATEWAY_LIMITS, type SipGatewayOptions } from './gateway-options.js';
import { GatewayResponses } from './gateway-responses.js';
import { EndpointRegisterTransport } from './register-transport.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from './sip/codec.js';
import { ConnectionLimits } from './sip/connection-limits.js';
import { dialogIdOf } from './sip/dialog.js';
import { SipEndpoint, type IncomingRequest, type ScreenVerdict } from './sip/endpoint.js';
import type { SipRequest } from './sip/message.js';
import type { InviteServerTransaction } from './sip/server-transaction.js';

type ServerTx = NonNullable<IncomingRequest['tx']>;
import { DEFAULT_TIMERS } from './sip/timers.js';
import { SipTransport, type SipPeer } from './sip/transport.js';
import { parseUri } from '../calls/sip-uri.js';
import { parseCSeq, toHeader } from './sip/message.js';
import type { TransportName } from './sip/via.js';
import { UserCall } from './user-call.js';
import type { OutboundDialer } from '../calls/outbound/outbound-types.js';
import { EmbeddedDialer } from './outbound-dialer.js';
import type { OutboundSession } from './outbound-session.js';

export type { SipGatewayOptions } from './gateway-options.js';

export interface ActiveCallInfo {
  callId: string;
  profile: string;
  state: CallSession['state'];
}

/** What the defences hold right now (metrics). */
export interface GatewayLoad {
  transactions: number;
  calls: number;
  connections: number;
  queuedBytes: number;
  lockedOut: number;
}

type Call = CallSession | UserCall;

export class SipGateway {
  private readonly transport: SipTransport;
  private readonly endpoint: SipEndpoint;
  private readonly sessions = new Map<string, CallSession>();
  private readonly byInvite = new WeakMap<InviteServerTransaction, Call>();
  /** User-to-user calls by each of their dialog ids (caller leg and answered callee leg). */
  private readonly userCalls = new Map<string, UserCall>();
  /** Answered outbound calls by dialog id. */
  private readonly outbound = new Map<string, OutboundSession>();
  readonly registrar: Registrar<SipPeer>;
  private readonly auth: CallAuth;
  private readonly guard: GatewayGuard;
  private readonly connections: ConnectionLimits;
  private readonly registrations: PbxRegistrations;
  private readonly log: Logger;
  private readonly userAgent: string;
  private readonly responses: GatewayResponses;
  private started = false;

  constructor(private readonly o: SipGatewayOptions) {
    this.log = o.log.child({ component: 'sip-gateway' });
    this.userAgent = o.userAgent ?? 'Switchboard';
    this.responses = new GatewayResponses(this.userAgent);
    const limits = { ...DEFAULT_GATEWAY_LIMITS, ...o.limits };
    const logGate = new RefusalLogGate(o.clock);
    const refused = (reason: string, address: string): void => {
      if (logGate.shouldLog(reason, address))
        this.log.warn({ reason, source: address }, 'sip refused by a defence');
      o.onRefused?.(reason, address);
    };
    this.connections = new ConnectionLimits(limits.connections);
    this.transport = new SipTransport({
      host: o.host,
      port: o.port,
      transports: o.transports,
      maxMessageBytes: o.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      log: this.log,
      limits: this.connections,
      ...(o.wsAllowedOrigins ? { allowedOrigins: o.wsAllowedOrigins } : {}),
      onRefused: refused,
      // Not closed when idle: a connection carrying a call or a softphone's registration (its flow).
      keepOpen: (peer) =>
        this.callsOnFlow(peer).length > 0 || this.registrar.userOnConnection(peer) !== undefined,
      ...(o.wsPort !== undefined ? { wsPort: o.wsPort } : {}),
      ...(o.wssPort !== undefined ? { wssPort: o.wssPort } : {}),
      ...(o.tlsPort !== undefined ? { tlsPort: o.tlsPort } : {}),
      ...(o.tls ? { tls: o.tls } : {}),
      ...(o.tlsClient ? { tlsClient: o.tlsClient } : {}),
      ...(o.tcpIdleMs !== undefined ? { tcpIdleMs: o.tcpIdleMs } : {}),
    });
    this.endpoint = new SipEndpoint({
      transport: this.transport,
      clock: o.clock,
      timers: { ...DEFAULT_TIMERS, ...o.timers },
      maxMessageBytes: o.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      advertisedHost: o.externalHost ?? o.host,
      log: this.log,
      screen: (req, source) => this.screen(req, source),
      maxTransactions: limits.maxTransactions,
      maxTransactionsPerSource: limits.maxTransactionsPerSource,
      exemptFromSourceCap: (address) => this.guard.isExempt(address),
      onRefused: (reason, source) => refused(reason, source.address),
    });
    this.endpoint.onRequest = (incoming) => this.onRequest(incoming);
    this.guard = new GatewayGuard({
      clock: o.clock,
      ...(o.rateLimit ? { rateLimit: o.rateLimit } : {}),
      maxCalls: limits.maxCalls,
      maxCallsPerSource: limits.maxCallsPerSource,
      exempt: (address) => o.router.isTrustedSource(address) || this.isRegistrarAddress(address),
      onRefused: refused,
    });
    const users = o.users ?? [];
    this.auth = createCallAuth({
      clock: o.clock,
      log: this.log,
      router: o.router,
      users,
      ...(o.realm ? { realm: o.realm } : {}),
      ...(o.digestAlgorithms ? { algorithms: o.digestAlgorithms } : {}),
      ...(o.lockout ? { lockout: o.lockout } : {}),
      onLock: (key) => refused(`locked_${key.kind}`, key.kind === 'source' ? key.id : ''),
    });
    this.registrar = new Registrar<SipPeer>({
      clock: o.clock,
      log: this.log,
      gate: this.auth.registrar,
      isUser: (u) => users.some((x) => x.username === u),
      ...o.registrar,
    });
    this.transport.onConnectionClosed((peer) => this.flowClosed(peer));
    this.registrations = new PbxRegistrations({
      registrations: o.registrations,
      transport: new EndpointRegisterTransport(this.endpoint, this.userAgent),
      clock: o.clock,
      log: this.log,
      ...(o.timeouts ? { timeouts: o.timeouts } : {}),
      ...(o.registrationBackoff ? { backoff: o.registrationBackoff } : {}),
      ...(o.registrarDns ? { dns: o.registrarDns } : {}),
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
        ...(this.o.transports.includes('tls') ? { tlsPort: this.localPort('tls') } : {}),
        ...(this.o.transports.includes('ws') ? { wsPort: this.localPort('ws') } : {}),
        ...(this.o.transports.includes('wss') ? { wssPort: this.localPort('wss') } : {}),
        transports: this.o.transports,
      },
      'sip gateway listening',
    );
    this.registrations.start();
  }

  /** BYE every call and un-REGISTER, bounded by stopTimeoutMs; then close the sockets. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    const bound = callTimeouts(this.o.timeouts).stopMs;
    const work = Promise.all([
      ...[...this.sessions.values()].map((c) => c.hangup('shutdown')),
      ...[...new Set(this.userCalls.values())].map((c) => c.hangup('shutdown')),
      ...[...this.outbound.values()].map((c) => c.hangup('shutdown')),
      this.registrations.stop(bound),
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
    return this.registrations.statuses();
  }

  /** What the defences hold right now. */
  load(): GatewayLoad {
    return {
      transactions: this.endpoint.transactions,
      calls: this.guard.calls,
      connections: this.connections.count,
      queuedBytes: this.connections.queuedBytes(),
      lockedOut: this.auth.lockout.lockedCount(),
    };
  }

  private screen(req: SipRequest, source: SipPeer): ScreenVerdict {
    const verdict = this.guard.screen(req, source.address);
    if (!verdict || verdict === 'drop') return verdict;
    return { respond: this.responses.unavailable(req, verdict.retryAfter) };
  }

  private isRegistrarAddress(address: string): boolean {
    return this.registrations.isRegistrarAddress(address);
  }

  private onRequest(incoming: IncomingRequest): void {
    const { req, tx } = incoming;
    if (req.method === 'ACK') {
      const id = dialogIdOf(req);
      const call = id ? this.inDialog(id) : undefined;
      call?.handle(incoming);
      return;
    }
    if (!tx) return;
    const refusal = this.responses.refusal(req);
    if (refusal) return tx.respond(refusal);
    if (req.method === 'CANCEL') {
      const inv = this.endpoint.inviteFor(req);
      const call = inv ? this.byInvite.get(inv) : undefined;
      if (call) call.cancel(req, tx);
      else tx.respond(this.responses.response(req, 481));
      return;
    }
    const id = dialogIdOf(req);
    if (id !== undefined) {
      const call = this.inDialog(id);
      if (call) call.handle(incoming);
      else tx.respond(this.responses.response(req, 481));
      return;
    }
    if (req.method === 'OPTIONS')
      return tx.respond(this.responses.withCapabilities(this.responses.response(req, 200)));
    if (req.method === 'REGISTER') return this.onRegister(incoming as IncomingRequest & { tx: ServerTx });
    if (req.method === 'INVITE')
      return this.newCall(incoming as IncomingRequest & { tx: InviteServerTransaction });
    tx.respond(this.responses.response(req, 481));
  }

  /** REGISTER from a softphone: the shared registrar book decides, we answer. */
  private onRegister(incoming: IncomingRequest & { tx: ServerTx }): void {
    const { req, tx, source } = incoming;
    const view: RegisterRequest<SipPeer> = {
      user: toHeader(req)?.uri.user,
      contacts: req.headers.getAll('contact'),
      expires: req.headers.get('expires'),
      authorization: req.headers.get('authorization'),
      callId: req.headers.get('call-id') ?? '',
      cseq: parseCSeq(req.headers.get('cseq'))?.seq ?? 0,
      supported: req.headers.getAll('supported').map((v) => v.toLowerCase()),
      source,
    };
    tx.respond(this.responses.fromReply(req, this.registrar.register(view).reply));
  }

  private newCall(incoming: IncomingRequest & { tx: InviteServerTransaction }): void {
    const { req, tx, source } = incoming;
    tx.respond(this.responses.response(req, 100));
    // No body is a delayed offer (CallSession offers in its 200 OK); a body must be SDP.
    const type = (req.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (req.body.trim() !== '' && type !== ACCEPT) {
      const res = this.responses.response(req, 415);
      res.headers.append('Accept', ACCEPT);
      return tx.respond(res);
    }
    const view: IncomingCall = {
      source,
      requestUser: parseUri(req.uri)?.user,
      credentials: [...req.headers.getAll('authorization'), ...req.headers.getAll('proxy-authorization')],
    };
    const admission = admitCall(this.admissionDeps(), view);
    const callId = req.headers.get('call-id');
    if (admission.kind === 'reject') {
      this.log.info(
        { callId, status: admission.status, reason: admission.reason, source: source.address },
        'sip call refused',
      );
      return tx.respond(this.responses.response(req, admission.status));
    }
    if (admission.kind === 'challenge') return tx.respond(this.responses.fromReply(req, admission));
    if (this.guard.callRefusal(source.address)) return tx.respond(this.responses.unavailable(req, 5));
    if (admission.kind === 'softphone') return this.newUserCall(incoming, admission.user, admission.caller);
    const call = new CallSession(
      {
        endpoint: this.endpoint,
        clock: this.o.clock,
        log: this.log,
        router: this.o.router,
        createMedia: this.o.createMedia,
        ringMs: this.o.ringMs ?? 0,
        ...(this.o.timeouts ? { timeouts: this.o.timeouts } : {}),
        userAgent: this.userAgent,
        trustedSource: this.guard.isExempt(source.address),
        onEnded: (c) => {
          this.sessions.delete(c.dialogId);
          this.guard.callEnded(source.address);
        },
      },
      incoming,
      admission.profile,
      this.contactFor(source.transport),
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
    this.guard.callStarted(source.address);
    this.sessions.set(call.dialogId, call);
    this.byInvite.set(tx, call);
    call.begin();
  }

  /** A call to a softphone user's AoR: bridged to their registered contacts. */
  private newUserCall(
    incoming: IncomingRequest & { tx: InviteServerTransaction },
    user: string,
    caller: string | undefined,
  ): void {
    const { req, tx, source } = incoming;
    const callId = req.headers.get('call-id');
    const call = new UserCall(
      {
        endpoint: this.endpoint,
        clock: this.o.clock,
        log: this.log,
        userAgent: this.userAgent,
        contactFor: (t) => this.contactFor(t),
        noAnswerMs: callTimeouts(this.o.timeouts).noAnswerMs,
        onDialog: (id, c) => this.userCalls.set(id, c),
        onEnded: (c) => {
          for (const id of c.dialogIds()) this.userCalls.delete(id);
          this.guard.callEnded(source.address);
        },
      },
      incoming,
      user,
      this.registrar.contactsFor(user),
    );
    this.log.info({ callId, callee: user, caller, transport: source.transport }, 'sip user call');
    this.guard.callStarted(source.address);
    this.byInvite.set(tx, call);
    call.begin();
  }

  /**
   * A TCP/TLS/WebSocket flow closed: its registrations go. An agent call over WebSocket ends (we cannot
   * dial a browser back); over TCP/TLS it goes on, its BYE going over a new connection to the caller's
   * Contact (dialog.ts), and the RTP timeout ends it if the caller is gone.
   */
  private flowClosed(peer: SipPeer): void {
    this.registrar.dropConnection(peer);
    for (const call of new Set(this.userCalls.values())) call.flowClosed(peer);
    if (peer.transport === 'tcp' || peer.transport === 'tls') return;
    for (const call of this.callsOnFlow(peer)) if (call instanceof CallSession) call.flowClosed();
  }

  /** Calls whose caller's signalling runs over this connection. */
  private callsOnFlow(peer: SipPeer): Call[] {
    if (peer.connectionId === undefined) return [];
    const on = (f: SipPeer) => f.transport === peer.transport && f.connectionId === peer.connectionId;
    const calls: Call[] = [...this.sessions.values()].filter((c) => on(c.dialog.flow));
    for (const c of new Set(this.userCalls.values())) if (c.flows().some(on)) calls.push(c);
    return calls;
  }

  private admissionDeps(): AdmissionDeps {
    return {
      router: this.o.router,
      gate: this.auth.calls,
      realm: this.auth.realm,
      registrations: this.registrations.routes,
      softphones: this.registrar,
    };
  }

  private inDialog(id: string): Call | OutboundSession | undefined {
    return this.sessions.get(id) ?? this.userCalls.get(id) ?? this.outbound.get(id);
  }

  /** Places outbound calls through this gateway (the shared OutboundCalls decides them). */
  dialer(): OutboundDialer {
    return new EmbeddedDialer({
      endpoint: this.endpoint,
      clock: this.o.clock,
      log: this.log,
      router: this.o.router,
      createMedia: this.o.createMedia,
      ...(this.o.timeouts ? { timeouts: this.o.timeouts } : {}),
      userAgent: this.userAgent,
      contactFor: (t) => this.contactFor(t),
      onDialog: (id, s) => this.outbound.set(id, s),
      onEnded: (s) => {
        if (s.dialog) this.outbound.delete(s.dialog.id);
      },
    });
  }

  /** Our Contact for a dialog over this transport (RFC 7118 §5: transport=ws/wss). */
  private contactFor(transport: TransportName): string {
    const param = transport === 'udp' ? '' : `;transport=${transport}`;
    return `<sip:switchboard@${this.endpoint.advertisedHost}:${this.localPort(transport)}${param}>`;
  }
}
