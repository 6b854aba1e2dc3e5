/**
 * One inbound call as a UAS: answers the INVITE with the media's SDP answer, owns the dialog, and
 * handles what arrives in it (ACK, BYE, CANCEL, re-INVITE, INFO DTMF, NOTIFY for transfers).
 * State changes go through transition() and its table.
 */
import type { Clock, TimerHandle } from '../../audio/clock.js';
import type { AgentProfile } from '../../config/profile-schema.js';
import type { Logger } from '../../log.js';
import type { Router } from '../../routing/router.js';
import { ALLOW, ACCEPT, type CreateCallMedia } from './gateway-options.js';
import type { CallMedia, SdpResult } from './media-types.js';
import { Dialog } from './sip/dialog.js';
import { DTMF_INFO_TYPES, parseDtmfInfo } from './sip/dtmf-info.js';
import type { IncomingRequest, SipEndpoint } from './sip/endpoint.js';
import { newTag } from './sip/ids.js';
import {
  buildResponse,
  fromHeader,
  parseCSeq,
  toHeader,
  type SipRequest,
  type SipResponse,
} from './sip/message.js';
import type { InviteServerTransaction } from './sip/server-transaction.js';
import { TransferOperation } from './transfer-operation.js';

export type CallState = 'ringing' | 'answered' | 'confirmed' | 'ending' | 'ended';

const TRANSITIONS: Record<CallState, CallState[]> = {
  ringing: ['answered', 'ended'],
  answered: ['confirmed', 'ending', 'ended'],
  confirmed: ['ending', 'ended'],
  ending: ['ended'],
  ended: [],
};

export interface CallSessionDeps {
  endpoint: SipEndpoint;
  clock: Clock;
  log: Logger;
  router: Router;
  createMedia: CreateCallMedia;
  ringMs: number;
  transferTimeoutMs: number;
  userAgent: string;
  /** The INVITE's source is trusted (no per-source RTP budget for it). */
  trustedSource: boolean;
  onEnded(session: CallSession): void;
}

export class CallSession {
  state: CallState = 'ringing';
  readonly callId: string;
  readonly dialog: Dialog;
  readonly media: CallMedia;
  private readonly inviteTx: InviteServerTransaction;
  private readonly pendingAcks = new Map<number, InviteServerTransaction>();
  private ringTimer: TimerHandle | undefined;
  private answerSdp = '';
  private transfer: TransferOperation | undefined;
  private readonly log: Logger;

  constructor(
    private readonly d: CallSessionDeps,
    private readonly invite: IncomingRequest & { tx: InviteServerTransaction },
    readonly profile: AgentProfile,
    localContact: string,
  ) {
    this.callId = invite.req.headers.get('call-id') ?? '';
    this.log = d.log.child({ callId: this.callId });
    this.inviteTx = invite.tx;
    this.dialog = Dialog.fromInvite(invite.req, newTag(), invite.source, localContact)!;
    this.media = d.createMedia(
      this.callId,
      {
        onTransfer: (target) => this.startTransfer(target),
        onHangupRequested: (reason) => this.hangup(reason),
      },
      invite.req.body,
      { address: invite.source.address, trusted: d.trustedSource },
    );
  }

  get dialogId(): string {
    return this.dialog.id;
  }

  /** Negotiate the offer (negotiateAsync when the media has it), then ring or answer. */
  begin(): void {
    this.negotiate(this.invite.req.body, (result) => this.onOffer(result));
  }

  private negotiate(sdp: string, then: (r: SdpResult) => void): void {
    const m = this.media;
    if (!m.negotiateAsync) return then(m.negotiate(sdp));
    m.negotiateAsync(sdp).then(then, (err: unknown) => {
      this.log.error({ err }, 'sip media negotiation failed');
      then({ ok: false, status: 488, reason: 'media negotiation failed' });
    });
  }

  private onOffer(result: SdpResult): void {
    if (this.state !== 'ringing') return; // cancelled while the media was negotiating
    if (!result.ok) {
      this.log.info({ status: result.status, reason: result.reason }, 'sip offer refused');
      this.inviteTx.respond(this.response(this.invite.req, result.status, { reason: result.reason }));
      this.finish('offer refused', false);
      return;
    }
    this.answerSdp = result.answer;
    if (this.d.ringMs > 0) {
      const ringing = this.response(this.invite.req, 180);
      ringing.headers.append('Contact', this.dialog.localContact); // early dialog: Contact required (§12.1.1)
      this.inviteTx.respond(ringing);
      this.ringTimer = this.d.clock.setTimeout(() => this.answer(), this.d.ringMs);
    } else this.answer();
  }

  handle(incoming: IncomingRequest): void {
    const { req, tx } = incoming;
    if (req.method === 'ACK') return this.onAck(req);
    if (!tx) return;
    if (!this.dialog.acceptRemoteCSeq(req)) {
      tx.respond(this.response(req, 500, { reason: 'CSeq out of order' }));
      return;
    }
    switch (req.method) {
      case 'BYE':
        tx.respond(this.response(req, 200));
        this.log.info('sip caller hung up');
        this.finish('caller_hangup', true);
        return;
      case 'INVITE':
        return this.onReInvite(req, tx as InviteServerTransaction);
      case 'INFO':
        return this.onInfo(req, tx);
      case 'NOTIFY':
        return this.onNotify(req, tx);
      case 'OPTIONS':
        tx.respond(this.withAllow(this.response(req, 200)));
        return;
      default:
        tx.respond(this.withAllow(this.response(req, 405)));
    }
  }

  /** CANCEL for our INVITE (same branch). Before the 200: 487; after it (the race): the call stays. */
  cancel(cancel: SipRequest, tx: NonNullable<IncomingRequest['tx']>): void {
    tx.respond(this.response(cancel, 200));
    if (this.state !== 'ringing') {
      this.log.info({ state: this.state }, 'sip CANCEL after answer ignored');
      return;
    }
    this.inviteTx.respond(this.response(this.invite.req, 487));
    this.log.info('sip call cancelled before answer');
    this.finish('cancelled', false);
  }

  /**
   * The caller's TCP/WebSocket flow closed. Nothing can reach the caller any more (RFC 7118 §5: a
   * WebSocket peer is only reachable over its connection), so the call ends now instead of living on
   * with nobody at the other end.
   */
  flowClosed(): void {
    if (this.state === 'ended') return;
    this.log.info({ state: this.state }, 'sip caller flow closed; ending the call');
    if (this.state === 'ringing') {
      this.inviteTx.respond(this.response(this.invite.req, 487)); // completes the transaction
      return this.finish('caller_flow_closed', false);
    }
    this.finish('caller_flow_closed', true);
  }

  /** Agent- or shutdown-initiated hangup: BYE when answered, 480 while still ringing. */
  hangup(reason: string): Promise<void> {
    if (this.state === 'ringing') {
      this.inviteTx.respond(this.response(this.invite.req, 480));
      this.finish(reason, false);
      return Promise.resolve();
    }
    if (this.state !== 'answered' && this.state !== 'confirmed') return Promise.resolve();
    this.transition('ending');
    // Tell the agent why before the fork closes (rtp_timeout, shutdown…): its call record keeps it.
    this.media.notify({ type: 'hangup', reason });
    this.media.stop(reason);
    this.log.info({ reason }, 'sip sending BYE');
    return new Promise((resolve) => {
      const { req, dest } = this.dialog.createRequest('BYE', [['User-Agent', this.d.userAgent]]);
      this.d.endpoint.request(req, dest, (res, timedOut) => {
        if (res.status < 200) return;
        this.log.debug({ status: res.status, timedOut }, 'sip BYE answered');
        this.finish(reason, false);
        resolve();
      });
    });
  }

  private answer(): void {
    if (this.state !== 'ringing') return;
    const res = this.response(this.invite.req, 200);
    res.headers.append('Contact', this.dialog.localContact);
    res.headers.append('Content-Type', 'application/sdp');
    res.body = this.answerSdp;
    this.withAllow(res);
    this.transition('answered');
    this.inviteTx.onAckTimeout = () => {
      this.log.warn('sip no ACK for 200 OK; hanging up');
      void this.hangup('no ACK');
    };
    this.inviteTx.respond(res);
    this.log.info({ profile: this.profile.name }, 'sip call answered');
  }

  private onAck(req: SipRequest): void {
    const seq = parseCSeq(req.headers.get('cseq'))?.seq ?? -1;
    const reinvite = this.pendingAcks.get(seq);
    if (reinvite) {
      reinvite.ack();
      this.pendingAcks.delete(seq);
      return;
    }
    if (this.state !== 'answered') return;
    this.inviteTx.ack();
    this.transition('confirmed');
    const from = fromHeader(this.invite.req)?.uri.user ?? '';
    const to = toHeader(this.invite.req)?.uri.user ?? '';
    const codec = /^a=rtpmap:\d+ (PCMU|PCMA|opus)\//im.exec(this.answerSdp)?.[1];
    this.media
      .start({
        callId: this.callId,
        from,
        to,
        profile: this.profile.name,
        source: 'embedded',
        ...(codec ? { codec } : {}),
      })
      .catch((err: unknown) => {
        this.log.error({ err }, 'sip media start failed; hanging up');
        void this.hangup('media failed');
      });
  }

  private onReInvite(req: SipRequest, tx: InviteServerTransaction): void {
    if (this.pendingAcks.size > 0) {
      tx.respond(this.response(req, 491));
      return;
    }
    const type = (req.headers.get('content-type') ?? ACCEPT).split(';')[0]!.trim().toLowerCase();
    if (req.body && type !== ACCEPT) {
      const res = this.response(req, 415);
      res.headers.append('Accept', ACCEPT);
      tx.respond(res);
      return;
    }
    const seq = parseCSeq(req.headers.get('cseq'))?.seq ?? 0;
    this.pendingAcks.set(seq, tx); // a second re-INVITE meanwhile gets 491
    const done = (result: SdpResult): void => {
      if (!result.ok) {
        this.pendingAcks.delete(seq);
        tx.respond(this.response(req, result.status, { reason: result.reason }));
        return;
      }
      this.answerSdp = result.answer;
      const res = this.response(req, 200);
      res.headers.append('Contact', this.dialog.localContact);
      res.headers.append('Content-Type', 'application/sdp');
      res.body = result.answer;
      tx.onAckTimeout = () => this.pendingAcks.delete(seq);
      tx.respond(res);
      this.log.info('sip re-INVITE accepted');
    };
    if (req.body) this.negotiate(req.body, done);
    else done({ ok: true, answer: this.answerSdp });
  }

  private onInfo(req: SipRequest, tx: NonNullable<IncomingRequest['tx']>): void {
    const type = req.headers.get('content-type') ?? '';
    if (!req.body) return tx.respond(this.response(req, 200));
    if (!DTMF_INFO_TYPES.includes(type.split(';')[0]!.trim().toLowerCase())) {
      const res = this.response(req, 415);
      res.headers.append('Accept', DTMF_INFO_TYPES.join(', '));
      return tx.respond(res);
    }
    const dtmf = parseDtmfInfo(type, req.body);
    if (!dtmf) return tx.respond(this.response(req, 400, { reason: 'Bad DTMF body' }));
    tx.respond(this.response(req, 200));
    this.log.debug({ digit: dtmf.digit }, 'sip INFO DTMF');
    this.media.notify({ type: 'dtmf', ...dtmf });
  }

  private onNotify(req: SipRequest, tx: NonNullable<IncomingRequest['tx']>): void {
    const event = (req.headers.get('event') ?? '').split(';')[0]!.trim().toLowerCase();
    if (event !== 'refer' || !this.transfer) {
      tx.respond(this.response(req, 481, { reason: 'Subscription Does Not Exist' }));
      return;
    }
    tx.respond(this.response(req, 200));
    this.transfer.onNotify(req);
  }

  private startTransfer(target: string): void {
    const uri = this.d.router.transferTarget(this.profile, target);
    if (!uri || this.transfer || this.state !== 'confirmed') {
      const reason = !uri ? 'target not in profile' : 'call not in a state to transfer';
      this.log.warn({ reason }, 'sip transfer refused');
      this.media.notify({ type: 'transferResult', ok: false, status: 403, reason });
      return;
    }
    this.transfer = new TransferOperation({
      dialog: this.dialog,
      endpoint: this.d.endpoint,
      clock: this.d.clock,
      timeoutMs: this.d.transferTimeoutMs,
      log: this.log,
      onDone: (result) => {
        this.transfer = undefined;
        this.media.notify({ type: 'transferResult', ...result });
        if (result.ok) void this.hangup('transferred');
      },
    });
    this.transfer.start(uri);
  }

  private finish(reason: string, notifyAgent: boolean): void {
    if (this.state === 'ended') return;
    if (this.ringTimer) this.d.clock.clearTimeout(this.ringTimer);
    this.transfer?.cancel();
    if (this.inviteTx.state === 'accepted') this.inviteTx.terminate();
    this.transition('ended');
    if (notifyAgent) this.media.notify({ type: 'hangup', reason });
    this.media.stop(reason);
    this.d.onEnded(this);
  }

  private transition(next: CallState): void {
    if (!TRANSITIONS[this.state].includes(next)) {
      this.log.warn({ from: this.state, to: next }, 'sip call: illegal state change ignored');
      return;
    }
    this.log.debug({ from: this.state, to: next }, 'sip call state');
    this.state = next;
  }

  private response(req: SipRequest, status: number, o: { reason?: string } = {}): SipResponse {
    const res = buildResponse(req, status, { toTag: this.dialog.localTag, ...o });
    // Dialog-establishing responses echo Record-Route (RFC 3261 §12.1.1) so the caller's route set matches ours.
    if (req.method === 'INVITE' && status > 100 && status < 300) {
      for (const rr of req.headers.getAll('record-route')) res.headers.append('Record-Route', rr);
    }
    res.headers.append('Server', this.d.userAgent);
    return res;
  }

  private withAllow(res: SipResponse): SipResponse {
    res.headers.append('Allow', ALLOW.join(', '));
    res.headers.append('Accept', ACCEPT);
    return res;
  }
}
