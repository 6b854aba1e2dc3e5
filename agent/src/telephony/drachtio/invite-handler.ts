/**
 * Decides every inbound INVITE: authenticate (digest), route with the shared Router, then either
 * connect the caller to FreeSWITCH and fork to the agent, or bridge to a registered softphone.
 */
import type { Clock } from '../../audio/clock.js';
import type { AgentProfile, Registration } from '../../config/profile-schema.js';
import type { Logger } from '../../log.js';
import type { Router } from '../../routing/router.js';
import { AgentCall, type EndReason } from './agent-call.js';
import type { DigestAuthenticator } from './digest-auth.js';
import type { Binding } from './registrar.js';
import type { MediaServerPool } from './media-pool.js';
import { headerUri, uriUser } from './sip-utils.js';
import {
  callIdOf,
  type DialogLike,
  type EndpointLike,
  type MediaServerLike,
  type SipRequestLike,
  type SipResponseLike,
  type SrfLike,
} from './types.js';

export interface InviteHandlerOptions {
  router: Router;
  srf: SrfLike;
  pool: Pick<MediaServerPool, 'candidates' | 'acquire' | 'refused' | 'tookCall'>;
  digest: DigestAuthenticator;
  lookupSoftphone: (user: string) => Binding | undefined;
  registrations: Registration[];
  forkUrl: string;
  forkCredentials: { username: string; password: string };
  clock: Clock;
  log: Logger;
  forkConnectTimeoutMs?: number;
  transferTimeoutMs?: number;
  onCallEnded?: (callId: string, reason: EndReason) => void;
}

type Auth = { user?: string } | { respond: [number, Record<string, string>?] };

/** A final status FreeSWITCH gives about the caller's request itself (not about its own health). */
function callerFault(status: number): boolean {
  return (status >= 400 && status < 500 && ![401, 407, 408].includes(status)) || status >= 600;
}

function sendFinal(res: SipResponseLike, status: number, headers?: Record<string, string>): void {
  try {
    if (headers) res.send(status, { headers });
    else res.send(status);
  } catch {
    // a final response may already have gone out
  }
}

export class InviteHandler {
  readonly calls = new Map<string, AgentCall>();
  private readonly bridges = new Set<DialogLike>();

  constructor(private readonly o: InviteHandlerOptions) {}

  private authenticate(req: SipRequestLike): Auth {
    const header = req.get('Authorization') ?? req.get('Proxy-Authorization');
    if (!header) return {};
    const r = this.o.digest.verify('INVITE', header, (u) => this.o.router.credentialFor(u));
    if (r.ok) return { user: r.username };
    if (r.reason === 'stale' || r.reason === 'realm') {
      return { respond: [401, { 'WWW-Authenticate': this.o.digest.challenge(r.reason === 'stale') }] };
    }
    return { respond: [403] };
  }

  /** PBX registrations we hold whose extension is being called from that PBX's address. */
  private registrationFor(requestUser: string, source: string): Registration | undefined {
    return this.o.registrations.find((r) => {
      const host = r.registrar.replace(/^sips?:/i, '').split(/[:;]/)[0];
      return r.user === requestUser && host === source;
    });
  }

  async handle(req: SipRequestLike, res: SipResponseLike): Promise<void> {
    const requestUser = uriUser(req.uri);
    const source = req.source_address;
    const log = this.o.log.child({ callId: callIdOf(req) });
    const auth = this.authenticate(req);
    if ('respond' in auth) {
      log.info({ status: auth.respond[0], source }, 'INVITE authentication refused');
      return auth.respond[1]
        ? res.send(auth.respond[0], { headers: auth.respond[1] })
        : res.send(auth.respond[0]);
    }
    const viaReg = this.registrationFor(requestUser, source);
    const decision = this.o.router.route({
      requestUser,
      sourceAddress: source,
      ...(auth.user !== undefined ? { authenticatedUser: auth.user } : {}),
      ...(viaReg ? { viaRegistration: true } : {}),
    });
    if (decision.kind === 'challenge') {
      return res.send(401, { headers: { 'WWW-Authenticate': this.o.digest.challenge() } });
    }
    if (decision.kind === 'reject' && decision.status === 403) {
      log.info({ source, reason: decision.reason }, 'INVITE rejected');
      return res.send(403);
    }
    let profile: AgentProfile | undefined = decision.kind === 'accept' ? decision.profile : undefined;
    if (!profile) {
      const binding = this.o.lookupSoftphone(requestUser);
      if (binding) return this.bridgeToSoftphone(req, res, binding, log);
      if (viaReg)
        profile = (viaReg.profile && this.o.router.profile(viaReg.profile)) || this.o.router.defaultProfile;
    }
    if (!profile) {
      log.info({ requestUser }, 'no agent or softphone at this number');
      return res.send(404);
    }
    await this.connectToAgent(req, res, profile, log);
  }

  /**
   * Answer on FreeSWITCH and start the fork. Servers are tried least loaded first: one that refuses
   * (5xx, timeout) is marked down and the next is tried; a 4xx/6xx is about the caller's offer (488 when
   * no codec is common) and goes back to the caller as FreeSWITCH gave it.
   */
  private async connectToAgent(
    req: SipRequestLike,
    res: SipResponseLike,
    profile: AgentProfile,
    log: Logger,
  ): Promise<void> {
    const callId = callIdOf(req);
    const servers = this.o.pool.candidates();
    if (servers.length === 0) {
      log.warn('no media server available');
      return res.send(503, { headers: { 'Retry-After': '5' } });
    }
    let canceled = false;
    req.on('cancel', () => (canceled = true));
    for (const server of servers) {
      const release = this.o.pool.acquire(server);
      let connected: Awaited<ReturnType<MediaServerLike['connectCaller']>>;
      try {
        connected = await server.connectCaller(req, res);
      } catch (err) {
        release();
        const status = (err as { status?: number }).status;
        if (canceled || status === 487) return void log.info('caller cancelled before answer');
        if (status !== undefined && callerFault(status)) {
          log.info({ status, mediaServer: server.address }, 'media server refused the offer');
          return sendFinal(res, status);
        }
        log.error(
          { err: (err as Error).message, status, mediaServer: server.address },
          'connectCaller failed',
        );
        this.o.pool.refused(server, status !== undefined ? `${status}` : (err as Error).message);
        continue;
      }
      this.o.pool.tookCall(server);
      return this.startCall(req, callId, profile, connected, release, log);
    }
    sendFinal(res, 503, { 'Retry-After': '5' });
  }

  private async startCall(
    req: SipRequestLike,
    callId: string,
    profile: AgentProfile,
    connected: { endpoint: EndpointLike; dialog: DialogLike },
    release: () => void,
    log: Logger,
  ): Promise<void> {
    const from = req.get('From') ?? '';
    const call = new AgentCall({
      callId,
      from: uriUser(from) || headerUri(from),
      to: uriUser(req.uri) || req.uri,
      localUri: headerUri(req.get('To') ?? req.uri),
      profile,
      endpoint: connected.endpoint,
      dialog: connected.dialog,
      router: this.o.router,
      forkUrl: this.o.forkUrl,
      forkCredentials: this.o.forkCredentials,
      clock: this.o.clock,
      log,
      ...(this.o.forkConnectTimeoutMs !== undefined
        ? { forkConnectTimeoutMs: this.o.forkConnectTimeoutMs }
        : {}),
      ...(this.o.transferTimeoutMs !== undefined ? { transferTimeoutMs: this.o.transferTimeoutMs } : {}),
      onEnded: (reason) => {
        release();
        this.calls.delete(callId);
        this.o.onCallEnded?.(callId, reason);
      },
    });
    this.calls.set(callId, call);
    await call.start();
  }

  private async bridgeToSoftphone(
    req: SipRequestLike,
    res: SipResponseLike,
    b: Binding,
    log: Logger,
  ): Promise<void> {
    log.info({ user: b.user, protocol: b.protocol }, 'calling registered softphone');
    try {
      const { uas, uac } = await this.o.srf.createB2BUA(req, res, b.contact, {
        ...(b.proxy ? { proxy: b.proxy } : {}),
        localSdpB: req.body,
        passFailure: true,
      });
      this.bridges.add(uas);
      uas.on('destroy', () => void Promise.resolve(uac.destroy()).finally(() => this.bridges.delete(uas)));
      uac.on('destroy', () => void Promise.resolve(uas.destroy()).finally(() => this.bridges.delete(uas)));
    } catch (err) {
      log.info({ status: (err as { status?: number }).status, user: b.user }, 'softphone call not answered');
    }
  }

  get activeCalls(): number {
    return this.calls.size + this.bridges.size;
  }

  /** End every call (drain). */
  async stop(): Promise<void> {
    await Promise.all([...this.calls.values()].map((c) => c.end('shutdown')));
    for (const d of this.bridges) await Promise.resolve(d.destroy()).catch(() => undefined);
    this.bridges.clear();
  }
}
