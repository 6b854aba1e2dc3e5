/**
 * One outbound agent call as a UAC: the plumbing of a DialPlan the shared call control made. Sends
 * the INVITE with our SDP offer, answers one 401/407 digest challenge, takes the answer SDP from the
 * first 18x or the 200 that carries one (early media), CANCELs when told (after a provisional, RFC
 * 3261 §9.1), ACKs the 200 and then runs like an inbound call: the shared CallController decides,
 * this class is its CallLeg (BYE, REFER, DTMF), and the media opens the fork to the conversation with
 * the profile, direction and prompt variables in the metadata.
 */
import type { Clock } from '../../time/clock.js';
import type { Logger } from '../../log.js';
import type { Router } from '../../routing/router.js';
import { CallController, type CallLeg, type Teardown } from '../calls/call-controller.js';
import type { CallTimeouts } from '../calls/call-timeouts.js';
import type { DialEvents, DialPlan, OutboundLeg } from '../calls/outbound/outbound-types.js';
import { DialogResponses } from './dialog-responses.js';
import type { CreateCallMedia } from './gateway-options.js';
import type { CallMedia } from './media-types.js';
import { ForkConnectError } from './media/fork-link.js';
import { answerInfo, answerNotify, sendRefer } from './in-dialog.js';
import { authenticatedInvite, buildOutboundInvite } from './outbound-invite.js';
import { Dialog } from './sip/dialog.js';
import type { IncomingRequest, SipEndpoint } from './sip/endpoint.js';
import { initialCSeq } from './sip/ids.js';
import type { InviteClientTransaction } from './sip/invite-client-transaction.js';
import { parseCSeq, type SipRequest, type SipResponse } from './sip/message.js';
import type { InviteServerTransaction } from './sip/server-transaction.js';
import type { SipPeer } from './sip/transport.js';

export interface OutboundSessionDeps {
  endpoint: SipEndpoint;
  clock: Clock;
  log: Logger;
  router: Router;
  createMedia: CreateCallMedia;
  timeouts?: Partial<CallTimeouts>;
  userAgent: string;
  contact: string;
  /** The next hop, resolved. */
  dest: SipPeer;
  /** The answered dialog exists: route its in-dialog requests here. */
  onDialog(dialogId: string, s: OutboundSession): void;
  onEnded(s: OutboundSession): void;
}

type Phase = 'inviting' | 'answered' | 'ended';

export class OutboundSession implements CallLeg, OutboundLeg {
  readonly control: CallController;
  readonly media: CallMedia;
  dialog: Dialog | undefined;
  /** A REFER went out on this dialog: its NOTIFYs are expected. */
  private referSent = false;
  private phase: Phase = 'inviting';
  private invite: SipRequest | undefined;
  private tx: InviteClientTransaction | undefined;
  private authRounds = 0;
  private answerApplied = false;
  private cancelWanted = false;
  private cancelSent = false;
  private ack: { req: SipRequest; dest: SipPeer } | undefined;
  private readonly log: Logger;

  constructor(
    private readonly d: OutboundSessionDeps,
    readonly plan: DialPlan,
    private readonly events: DialEvents,
  ) {
    this.log = d.log.child({ callId: plan.callId, direction: 'outbound' });
    this.control = new CallController({
      callId: plan.callId,
      profile: plan.profile,
      router: d.router,
      leg: this,
      agent: { notify: (m) => this.media.notify(m) },
      clock: d.clock,
      log: this.log,
      ...(d.timeouts ? { timeouts: d.timeouts } : {}),
      onEnded: (reason) => {
        if (this.phase === 'answered') this.events.ended(reason);
        this.phase = 'ended';
        d.onEnded(this);
      },
    });
    this.media = d.createMedia(
      plan.callId,
      {
        onTransfer: (target) => this.control.agentTransfer(target),
        onSendDtmf: (digits) => this.control.agentDtmf(digits),
        onDtmf: (digit, ms) => this.control.callerDtmf(digit, ms),
        onHangupRequested: (reason) => void this.control.agentHangup(reason),
        onMediaEnded: (reason) => void this.control.end(reason),
      },
      undefined,
      { address: d.dest.address, trusted: true },
    );
  }

  get callId(): string {
    return this.plan.callId;
  }

  /** Make the offer and send the INVITE. */
  begin(): void {
    const offer = this.media.createOffer?.();
    if (!offer || !offer.ok) {
      this.log.warn(
        { reason: offer && !offer.ok ? offer.reason : 'no offer' },
        'outbound call: no SDP offer',
      );
      return this.notAnswered(offer && !offer.ok ? offer.status : 500, 'no media for the offer');
    }
    this.send(
      buildOutboundInvite(this.plan, {
        contact: this.d.contact,
        userAgent: this.d.userAgent,
        sdp: offer.offer,
        cseq: initialCSeq(),
      }),
    );
  }

  /** OutboundLeg: CANCEL while ringing. Before any provisional it goes out when one arrives (§9.1). */
  cancel(): void {
    if (this.phase !== 'inviting' || this.cancelWanted) return;
    this.cancelWanted = true;
    this.sendCancelIfDue();
  }

  /** Shutdown or the API: BYE once answered, CANCEL while ringing. */
  hangup(reason: Teardown['reason']): Promise<void> {
    return this.control.end(reason);
  }

  private send(invite: SipRequest): void {
    this.invite = invite;
    this.tx = this.d.endpoint.invite(invite, this.d.dest, (res, timedOut) => this.onResponse(res, timedOut));
  }

  private sendCancelIfDue(): void {
    if (!this.cancelWanted || this.cancelSent || !this.tx || this.tx.state !== 'proceeding') return;
    this.cancelSent = true;
    this.log.info('sip sending CANCEL');
    this.d.endpoint.cancel(this.tx, this.d.dest);
  }

  private onResponse(res: SipResponse, timedOut: boolean): void {
    if (res.status === 100) return this.sendCancelIfDue();
    if (res.status < 200) {
      if (this.phase !== 'inviting') return;
      this.events.progress(res.status);
      if (res.body.trim() !== '') this.applyAnswer(res.body);
      return this.sendCancelIfDue();
    }
    if (res.status < 300) return this.onAnswer(res);
    if (this.phase !== 'inviting') return;
    if ((res.status === 401 || res.status === 407) && this.authRounds === 0 && !this.cancelWanted) {
      const next = authenticatedInvite(this.invite!, res, this.plan.route.credentials, ++this.authRounds);
      if (next) {
        this.log.info({ status: res.status }, 'outbound call challenged; answering with digest');
        return this.send(next);
      }
    }
    this.notAnswered(timedOut ? 408 : res.status, timedOut ? 'no response' : res.reason);
  }

  private onAnswer(res: SipResponse): void {
    if (this.ack) {
      this.d.endpoint.sendAck({ ...this.ack.req, headers: this.ack.req.headers.clone() }, this.ack.dest);
      return; // a retransmitted 200: ACK again
    }
    const dialog = Dialog.fromUac(this.invite!, res, this.d.dest, this.d.contact);
    if (!dialog) return void this.log.warn('outbound 200 without tags ignored');
    this.dialog = dialog;
    const seq = parseCSeq(this.invite!.headers.get('cseq'))?.seq ?? 1;
    const ack = dialog.createAck(seq);
    this.ack = { req: { ...ack.req, headers: ack.req.headers.clone() }, dest: ack.dest };
    this.d.endpoint.sendAck(ack.req, ack.dest);
    if (this.phase !== 'inviting' || this.cancelWanted) {
      // Answered as our CANCEL crossed it (or after we gave up): confirm it and end it at once.
      this.log.info('outbound call answered after CANCEL; ACK and BYE');
      if (this.phase === 'inviting') this.events.failed(487, 'answered after CANCEL');
      this.phase = 'answered';
      this.d.onDialog(dialog.id, this);
      void this.control.end('cancelled');
      return;
    }
    if (!this.answerApplied && !this.applyAnswer(res.body)) {
      this.events.failed(488, 'no usable answer SDP');
      this.phase = 'answered';
      this.d.onDialog(dialog.id, this);
      void this.control.end('media_lost');
      return;
    }
    this.phase = 'answered';
    this.d.onDialog(dialog.id, this);
    this.control.answered();
    this.events.answered();
    this.log.info({ profile: this.plan.profile.name }, 'outbound call answered');
    this.startMedia(res.body);
  }

  private startMedia(answerSdp: string): void {
    const codec = /^a=rtpmap:\d+ (PCMU|PCMA|opus)\//im.exec(answerSdp)?.[1];
    this.media
      .start({
        callId: this.plan.callId,
        from: this.plan.from,
        to: this.plan.to,
        profile: this.plan.profile.name,
        source: 'embedded',
        ...(codec ? { codec } : {}),
        extra: { direction: 'outbound', variables: this.plan.variables },
      })
      .then(
        () => this.control.agentConnected(),
        (err: unknown) => {
          const forkFailed = err instanceof ForkConnectError;
          this.log.error(
            { err },
            forkFailed ? 'agent unreachable: fork connect failed' : 'sip media start failed',
          );
          void this.control.end(forkFailed ? 'fork_failed' : 'media_lost');
        },
      );
  }

  private applyAnswer(sdp: string): boolean {
    if (this.answerApplied) return true;
    if (sdp.trim() === '' || !this.media.acceptAnswer) return false;
    const applied = this.media.acceptAnswer(sdp);
    if (!applied.ok) {
      this.log.warn({ reason: applied.reason }, 'outbound answer SDP not usable');
      return false;
    }
    this.answerApplied = true;
    return true;
  }

  /** A final failure before the answer: report it, free the media. */
  private notAnswered(status: number, reason: string): void {
    if (this.phase !== 'inviting') return;
    this.phase = 'ended';
    this.events.failed(status, reason);
    void this.control.end(status === 487 ? 'cancelled' : 'call_failed', { callerGone: true });
  }

  /** In-dialog requests from the callee. */
  handle(incoming: IncomingRequest): void {
    const { req, tx } = incoming;
    if (req.method === 'ACK' || !tx || !this.dialog) return;
    const replies = new DialogResponses(this.dialog.localTag, this.d.userAgent);
    if (!this.dialog.acceptRemoteCSeq(req)) return tx.respond(replies.response(req, 500));
    switch (req.method) {
      case 'BYE':
        tx.respond(replies.response(req, 200));
        this.log.info('sip callee hung up');
        void this.control.callerHungUp();
        return;
      case 'INVITE': {
        const result = req.body ? this.media.negotiate(req.body) : undefined;
        if (result && !result.ok) return tx.respond(replies.response(req, result.status));
        if (result?.held !== undefined) this.control.callerHold(result.held);
        const res = replies.response(req, 200);
        res.headers.append('Contact', this.dialog.localContact);
        if (result?.ok) {
          res.headers.append('Content-Type', 'application/sdp');
          res.body = result.answer;
        }
        (tx as InviteServerTransaction).onAckTimeout = () => undefined;
        return tx.respond(res);
      }
      case 'INFO':
        return answerInfo(req, tx, replies, this.control, this.log);
      case 'NOTIFY':
        return answerNotify(req, tx, replies, this.referSent, this.control);
      case 'OPTIONS':
        return tx.respond(replies.withAllow(replies.response(req, 200)));
      default:
        tx.respond(replies.withAllow(replies.response(req, 405)));
    }
  }

  // CallLeg: what the controller decided.

  refer(target: string): void {
    if (!this.dialog) return;
    this.referSent = true;
    this.log.info({ target }, 'sip sending REFER');
    sendRefer(this.dialog, this.d.endpoint, this.control, target);
  }

  sendDtmf(digits: string): void {
    this.media.sendDtmf(digits);
  }

  async release(t: Teardown): Promise<void> {
    if (t.tellAgent) this.media.notify({ type: 'hangup', reason: t.reason });
    this.media.stop(t.reason);
    if (this.phase === 'inviting') {
      this.cancel();
      return;
    }
    if (!t.byeCaller || !this.dialog) return;
    const { req, dest } = this.dialog.createRequest('BYE', [['User-Agent', this.d.userAgent]]);
    this.log.info({ reason: t.reason }, 'sip sending BYE');
    await new Promise<void>((resolve) =>
      this.d.endpoint.request(req, dest, (res) => {
        if (res.status >= 200) resolve();
      }),
    );
  }
}
