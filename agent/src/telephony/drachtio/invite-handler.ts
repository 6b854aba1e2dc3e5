/**
 * Every inbound INVITE through drachtio: the shared admission decides (calls/admission.ts), and this
 * does the plumbing — answer on FreeSWITCH and fork to the agent, or bridge to a registered softphone
 * (a B2BUA through drachtio), or send the refusal or challenge.
 */
import type { Clock } from '../../time/clock.js';
import type { AgentProfile } from '../../config/profile-schema.js';
import type { CallEndReason } from '../../conversation/call-record.js';
import type { Logger } from '../../log.js';
import type { Router } from '../../routing/router.js';
import { admitCall, type AdmissionDeps } from '../calls/admission.js';
import type { CallTimeouts } from '../calls/call-timeouts.js';
import { headerUri, uriUser } from '../calls/sip-text.js';
import type { Binding } from '../calls/softphone-registrar.js';
import type { IncomingCall } from '../calls/sip-view.js';
import { AgentCall } from './agent-call.js';
import type { MediaServerPool } from './media-pool.js';
import { sourceOf } from './register-handler.js';
import { headerValues, sendReply } from './srf-reply.js';
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
  /** What admission decides with (the same deps the embedded gateway gives it). */
  admission: () => AdmissionDeps;
  /** A softphone user's live bindings, newest first. */
  contactsFor: (user: string) => Binding[];
  forkUrl: string;
  forkCredentials: { username: string; password: string };
  clock: Clock;
  log: Logger;
  timeouts?: Partial<CallTimeouts>;
  onCallEnded?: (callId: string, reason: CallEndReason) => void;
}

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

  async handle(req: SipRequestLike, res: SipResponseLike): Promise<void> {
    const log = this.o.log.child({ callId: callIdOf(req) });
    const view: IncomingCall = {
      source: sourceOf(req),
      requestUser: uriUser(req.uri) || undefined,
      credentials: [
        ...headerValues(req.get('Authorization'), 'Authorization'),
        ...headerValues(req.get('Proxy-Authorization'), 'Proxy-Authorization'),
      ],
    };
    const a = admitCall(this.o.admission(), view);
    switch (a.kind) {
      case 'reject':
        log.info({ status: a.status, reason: a.reason, source: view.source.address }, 'INVITE refused');
        return sendReply(res, { status: a.status, headers: [] });
      case 'challenge':
        return sendReply(res, a);
      case 'softphone': {
        const binding = this.o.contactsFor(a.user)[0];
        if (!binding) return sendReply(res, { status: 480, headers: [] });
        return this.bridgeToSoftphone(req, res, binding, log);
      }
      case 'agent':
        log.info({ profile: a.profile.name, via: a.via, source: view.source.address }, 'INVITE admitted');
        return this.connectToAgent(req, res, a.profile, log);
    }
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
      ...(this.o.timeouts ? { timeouts: this.o.timeouts } : {}),
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
    log.info({ user: b.user, transport: b.flow.transport }, 'calling registered softphone');
    // drachtio keeps WebSocket flows itself and reaches them by Contact; anything else goes back to
    // the address the REGISTER came from (the contact may be a private address behind NAT).
    const ws = /;\s*transport=wss?\b/i.test(b.contact) || /^wss?$/.test(b.flow.transport);
    const f = b.flow;
    const proxy = ws
      ? undefined
      : `sip:${f.address.includes(':') ? `[${f.address}]` : f.address}:${f.port};transport=${f.transport}`;
    try {
      const { uas, uac } = await this.o.srf.createB2BUA(req, res, b.contact, {
        ...(proxy ? { proxy } : {}),
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
