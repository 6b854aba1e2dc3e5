/**
 * The drachtio_mrf SIP profile: a UDP user agent server on the embedded gateway's SIP stack
 * (SipTransport, SipEndpoint, transactions, Dialog). It answers what sofia answers for this
 * profile: 100 Trying at once; INVITE/re-INVITE, ACK, BYE, CANCEL, INFO (DTMF) and OPTIONS in or
 * out of a dialog; and it sends BYE with a Q.850 Reason header when FreeSWITCH hangs up. What to
 * answer an INVITE with is decided by the owner (onInvite).
 */
import type { Clock } from '../../../../../time/clock.js';
import type { Logger } from '../../../../../log.js';
import { Dialog, dialogIdOf } from '../../../../embedded/sip/dialog.js';
import { parseDtmfInfo } from '../../../../embedded/sip/dtmf-info.js';
import { SipEndpoint, type IncomingRequest } from '../../../../embedded/sip/endpoint.js';
import { newTag } from '../../../../embedded/sip/ids.js';
import { buildResponse, type SipRequest, type SipResponse } from '../../../../embedded/sip/message.js';
import type { InviteServerTransaction } from '../../../../embedded/sip/server-transaction.js';
import { DEFAULT_TIMERS, type SipTimers } from '../../../../embedded/sip/timers.js';
import { SipTransport, type SipPeer } from '../../../../embedded/sip/transport.js';

export const ALLOW = 'INVITE, ACK, BYE, CANCEL, OPTIONS, MESSAGE, INFO, UPDATE, REGISTER, REFER, NOTIFY';

export interface LegEvents {
  /** ACK for our 200 (its SDP, for a 3PCC answer). */
  onAck(body: string): void;
  onBye(): void;
  onCancel(): void;
  /** re-INVITE: the answer SDP, or a failure status. */
  onReInvite(body: string): { sdp: string } | { status: number; reason: string };
  onInfoDtmf(digit: string, durationMs: number | undefined): void;
  /** No ACK for our 200 within 64·T1. */
  onAckTimeout(): void;
}

/** One INVITE's dialog on the profile. */
export class SipLegImpl {
  events: LegEvents | undefined;
  private dialog: Dialog | undefined;
  state: 'proceeding' | 'answered' | 'confirmed' | 'ended' = 'proceeding';
  finalStatus: number | undefined;
  finalReason = '';

  constructor(
    private readonly profile: SipProfile,
    readonly req: SipRequest,
    readonly source: SipPeer,
    readonly tx: InviteServerTransaction,
    private readonly localTag = newTag(),
  ) {}

  get callId(): string {
    return this.req.headers.get('call-id') ?? '';
  }

  get id(): string {
    return `${this.callId}|${this.localTag}`;
  }

  header(name: string): string | undefined {
    return this.req.headers.get(name);
  }

  private response(status: number, reason?: string): SipResponse {
    const res = buildResponse(this.req, status, { toTag: this.localTag, ...(reason ? { reason } : {}) });
    res.headers.append('User-Agent', this.profile.userAgent);
    return res;
  }

  trying(): void {
    this.tx.respond(buildResponse(this.req, 100));
  }

  answer(sdp: string): void {
    if (this.state !== 'proceeding') return;
    const contact = this.profile.contact(this.req);
    this.dialog = Dialog.fromInvite(this.req, this.localTag, this.source, contact);
    const res = this.response(200);
    res.headers.append('Accept', 'application/sdp');
    res.headers.append('Allow', ALLOW);
    res.headers.append('Supported', 'timer, path, replaces');
    res.headers.append('Allow-Events', 'talk, hold, conference, refer');
    res.headers.append('Contact', contact);
    res.headers.append('Content-Type', 'application/sdp');
    res.headers.append('Content-Disposition', 'session');
    res.body = sdp;
    this.state = 'answered';
    this.finalStatus = 200;
    this.finalReason = 'OK';
    this.profile.register(this);
    this.tx.onAckTimeout = () => this.events?.onAckTimeout();
    this.tx.respond(res);
  }

  reject(status: number, reason: string, headers: Array<[string, string]> = []): void {
    if (this.state !== 'proceeding') return;
    const res = this.response(status, reason);
    for (const [n, v] of headers) res.headers.append(n, v);
    this.state = 'ended';
    this.finalStatus = status;
    this.finalReason = reason;
    this.profile.unregister(this);
    this.tx.respond(res);
  }

  /** BYE from FreeSWITCH; resolves on its final response (or the 32 s transaction timeout). */
  bye(reasonHeader: string): Promise<number> {
    const d = this.dialog;
    if (!d || this.state === 'ended') return Promise.resolve(0);
    this.state = 'ended';
    this.profile.unregister(this);
    const { req, dest } = d.createRequest('BYE', [
      ['User-Agent', this.profile.userAgent],
      ['Reason', reasonHeader],
    ]);
    return new Promise((resolve) => {
      this.profile.endpoint.request(req, dest, (res) => {
        if (res.status >= 200) resolve(res.status);
      });
    });
  }

  handleInDialog(incoming: IncomingRequest): void {
    const { req, tx } = incoming;
    if (req.method === 'ACK') {
      if (this.state === 'answered') {
        this.tx.ack();
        this.state = 'confirmed';
        this.events?.onAck(req.body);
      }
      return;
    }
    if (!tx || !this.dialog) return;
    if (!this.dialog.acceptRemoteCSeq(req)) {
      tx.respond(this.inDialogResponse(req, 500, 'CSeq out of order'));
      return;
    }
    switch (req.method) {
      case 'BYE':
        tx.respond(this.inDialogResponse(req, 200));
        if (this.state !== 'ended') {
          this.state = 'ended';
          this.profile.unregister(this);
          this.events?.onBye();
        }
        return;
      case 'INVITE': {
        const r = this.events?.onReInvite(req.body) ?? { status: 488, reason: 'Not Acceptable Here' };
        if ('status' in r) {
          tx.respond(this.inDialogResponse(req, r.status, r.reason));
          return;
        }
        const res = this.inDialogResponse(req, 200);
        res.headers.append('Contact', this.profile.contact(this.req));
        res.headers.append('Content-Type', 'application/sdp');
        res.body = r.sdp;
        tx.respond(res);
        return;
      }
      case 'INFO': {
        const dtmf = parseDtmfInfo(req.headers.get('content-type') ?? '', req.body);
        tx.respond(this.inDialogResponse(req, 200));
        if (dtmf) this.events?.onInfoDtmf(dtmf.digit, dtmf.durationMs);
        return;
      }
      case 'OPTIONS':
      case 'UPDATE':
      case 'NOTIFY':
        tx.respond(this.inDialogResponse(req, 200));
        return;
      default:
        tx.respond(this.inDialogResponse(req, 405));
    }
  }

  private inDialogResponse(req: SipRequest, status: number, reason?: string): SipResponse {
    const res = buildResponse(req, status, reason ? { reason } : {});
    res.headers.append('User-Agent', this.profile.userAgent);
    if (status === 405) res.headers.append('Allow', ALLOW);
    return res;
  }

  cancelled(): void {
    this.events?.onCancel();
  }
}

export interface SipProfileOptions {
  /** Bind address (also the address in sofia status and SDP unless advertised). */
  host: string;
  port: number;
  advertisedHost: string;
  userAgent: string;
  clock: Clock;
  log: Logger;
  timers?: SipTimers;
  onInvite(leg: SipLegImpl): void;
}

export class SipProfile {
  readonly endpoint: SipEndpoint;
  private readonly transport: SipTransport;
  private readonly legs = new Map<string, SipLegImpl>();
  private readonly pending = new Map<InviteServerTransaction, SipLegImpl>();
  private stopped = false;

  constructor(private readonly o: SipProfileOptions) {
    this.transport = new SipTransport({
      host: o.host,
      port: o.port,
      transports: ['udp'],
      maxMessageBytes: 65_535,
      log: o.log,
    });
    this.endpoint = new SipEndpoint({
      transport: this.transport,
      clock: o.clock,
      timers: o.timers ?? DEFAULT_TIMERS,
      maxMessageBytes: 65_535,
      advertisedHost: o.advertisedHost,
      log: o.log,
      screen: () => (this.stopped ? 'drop' : undefined),
    });
    this.endpoint.onRequest = (incoming) => this.onRequest(incoming);
  }

  get userAgent(): string {
    return this.o.userAgent;
  }

  get port(): number {
    return this.transport.localPort('udp');
  }

  start(): Promise<void> {
    return this.transport.start();
  }

  /** Our Contact for a dialog: the Request-URI's user at our address. */
  contact(req: SipRequest): string {
    const user = /^sips?:([^@;>]+)@/i.exec(req.uri)?.[1] ?? 'mod_sofia';
    return `<sip:${user}@${this.o.advertisedHost}:${this.port};transport=udp>`;
  }

  register(leg: SipLegImpl): void {
    this.legs.set(leg.id, leg);
    this.pending.delete(leg.tx);
  }

  unregister(leg: SipLegImpl): void {
    this.legs.delete(leg.id);
    this.pending.delete(leg.tx);
  }

  private onRequest(incoming: IncomingRequest): void {
    const { req, tx } = incoming;
    const id = dialogIdOf(req);
    if (id) {
      const [callId, localTag] = id.split('|');
      const leg = this.legs.get(`${callId}|${localTag}`);
      if (leg) return leg.handleInDialog(incoming);
      if (req.method !== 'ACK') tx?.respond(buildResponse(req, 481));
      return;
    }
    if (!tx) return;
    switch (req.method) {
      case 'INVITE': {
        const leg = new SipLegImpl(this, req, incoming.source, tx as InviteServerTransaction);
        this.pending.set(leg.tx, leg);
        leg.trying();
        this.o.onInvite(leg);
        return;
      }
      case 'CANCEL': {
        const inviteTx = this.endpoint.inviteFor(req);
        const leg = inviteTx ? this.pending.get(inviteTx) : undefined;
        tx.respond(buildResponse(req, leg ? 200 : 481));
        if (leg && leg.state === 'proceeding') {
          leg.reject(487, 'Request Terminated');
          this.pending.delete(leg.tx);
          leg.cancelled();
        }
        return;
      }
      case 'OPTIONS': {
        const res = buildResponse(req, 200);
        res.headers.append('User-Agent', this.o.userAgent);
        res.headers.append('Allow', ALLOW);
        res.headers.append('Accept', 'application/sdp');
        tx.respond(res);
        return;
      }
      default: {
        const res = buildResponse(req, 405);
        res.headers.append('Allow', ALLOW);
        tx.respond(res);
      }
    }
  }

  /** The process died: stop answering anything, drop all state. */
  halt(): void {
    this.stopped = true;
    this.endpoint.clear();
  }

  async stop(): Promise<void> {
    this.halt();
    this.legs.clear();
    this.pending.clear();
    await this.transport.stop();
  }
}
