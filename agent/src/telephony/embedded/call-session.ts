/**
 * One inbound agent call as a UAS: the SIP plumbing around the shared CallController. Answers the
 * INVITE with the media's SDP answer (or, for an INVITE without SDP, offers and takes the answer from
 * the ACK), honours the caller's session timer (session-timer.ts), owns the dialog, and turns what
 * arrives in it (ACK, BYE, CANCEL, re-INVITE, UPDATE, INFO DTMF, NOTIFY for transfers) and what the
 * media raises (the agent's transfer, DTMF, hangup; RTP gone) into controller events. The controller decides; this class is its CallLeg:
 * it sends the REFER, the DTMF and the BYE (or the final response while unanswered).
 */
import type { Clock, TimerHandle } from '../../time/clock.js';
import type { AgentProfile } from '../../config/profile-schema.js';
import type { Logger } from '../../log.js';
import type { Router } from '../../routing/router.js';
import { CallController, type CallLeg, type CallState, type Teardown } from '../calls/call-controller.js';
import type { CallTimeouts } from '../calls/call-timeouts.js';
import { ACCEPT, type CreateCallMedia } from './gateway-options.js';
import { DialogResponses } from './dialog-responses.js';
import type { AnswerApplied, CallMedia, SdpResult } from './media-types.js';
import { answerInfo, answerNotify, sendRefer } from './in-dialog.js';
import { ForkConnectError } from './media/fork-link.js';
import { watchSession } from './session-refresh.js';
import { decideSessionTimer, sessionTimerHeaders, type SessionTimerDecision } from './session-timer.js';
import { Dialog } from './sip/dialog.js';
import type { IncomingRequest, SipEndpoint } from './sip/endpoint.js';
import { newTag } from './sip/ids.js';
import { fromHeader, parseCSeq, toHeader, type SipRequest, type SipResponse } from './sip/message.js';
import type { InviteServerTransaction } from './sip/server-transaction.js';

export interface CallSessionDeps {
  endpoint: SipEndpoint;
  clock: Clock;
  log: Logger;
  router: Router;
  createMedia: CreateCallMedia;
  ringMs: number;
  timeouts?: Partial<CallTimeouts>;
  userAgent: string;
  /** The INVITE's source is trusted (no per-source RTP budget for it). */
  trustedSource: boolean;
  onEnded(session: CallSession): void;
}

export class CallSession implements CallLeg {
  readonly callId: string;
  readonly dialog: Dialog;
  readonly media: CallMedia;
  readonly control: CallController;
  private readonly inviteTx: InviteServerTransaction;
  private readonly pendingAcks = new Map<number, InviteServerTransaction>();
  private ringTimer: TimerHandle | undefined;
  /** The SDP we last sent: our answer, or our offer when the peer's request had none. */
  private answerSdp = '';
  /** The 200 OK carried our offer (delayed offer): the answer is due in the ACK. */
  private awaitingAnswer = false;
  /** CSeq numbers of re-INVITEs without SDP whose ACK must carry the answer to our offer. */
  private readonly answerInAck = new Set<number>();
  /** A final response to the INVITE went out (200, or a refusal). */
  private finalSent = false;
  private referSent = false;
  /** RFC 4028: the INVITE's session-timer terms, and the watch that ends an unrefreshed session. */
  private readonly timerTerms: SessionTimerDecision;
  private readonly sessionWatch: ReturnType<typeof watchSession>;
  private readonly log: Logger;
  private readonly replies: DialogResponses;

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
    this.replies = new DialogResponses(this.dialog.localTag, d.userAgent);
    this.timerTerms = decideSessionTimer(invite.req.headers);
    this.sessionWatch = watchSession({
      ...d,
      log: this.log,
      dialog: this.dialog,
      peerAllows: invite.req.headers.getAll('allow'),
      sdp: () => this.answerSdp,
      end: () => void this.control.end('session_expired'),
    });
    this.control = new CallController({
      callId: this.callId,
      profile,
      router: d.router,
      leg: this,
      agent: { notify: (m) => this.media.notify(m) },
      clock: d.clock,
      log: this.log,
      ...(d.timeouts ? { timeouts: d.timeouts } : {}),
      onEnded: () => d.onEnded(this),
    });
    this.media = d.createMedia(
      this.callId,
      {
        onTransfer: (target) => this.control.agentTransfer(target),
        onSendDtmf: (digits) => this.control.agentDtmf(digits),
        onDtmf: (digit, ms) => this.control.callerDtmf(digit, ms),
        onHangupRequested: (reason) => void this.control.agentHangup(reason),
        onMediaEnded: (reason) => void this.control.end(reason),
      },
      invite.req.body,
      { address: invite.source.address, trusted: d.trustedSource },
    );
  }

  get dialogId(): string {
    return this.dialog.id;
  }

  get state(): CallState {
    return this.control.state;
  }

  /**
   * Negotiate the offer (negotiateAsync when the media has it), then ring or answer. An INVITE without
   * SDP (delayed offer, RFC 3261 §13.2.1) gets our offer in the 200 OK and must answer in its ACK.
   */
  begin(): void {
    if (this.timerTerms.kind === 'too-small') {
      this.respondInvite(this.replies.tooSmall(this.invite.req, this.timerTerms.minSe));
      void this.control.end('protocol_error', { callerGone: true });
      return;
    }
    if (this.invite.req.body.trim() !== '')
      return this.negotiate(this.invite.req.body, (result) => this.onOffer(result));
    const offer = this.media.createOffer?.();
    if (!offer) {
      const res = this.replies.response(this.invite.req, 488, { reason: 'Offer Required' });
      res.headers.append('Accept', ACCEPT);
      this.respondInvite(res);
      void this.control.end('media_lost', { callerGone: true });
      return;
    }
    if (offer.ok) this.awaitingAnswer = true;
    this.onOffer(offer.ok ? { ok: true, answer: offer.offer } : offer);
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
    if (this.control.state !== 'offered') return; // cancelled while the media was negotiating
    if (!result.ok) {
      this.log.info({ status: result.status, reason: result.reason }, 'sip offer refused');
      this.respondInvite(this.replies.response(this.invite.req, result.status, { reason: result.reason }));
      void this.control.end('media_lost', { callerGone: true });
      return;
    }
    this.answerSdp = result.answer;
    if (this.d.ringMs > 0) {
      const ringing = this.replies.response(this.invite.req, 180);
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
      tx.respond(this.replies.response(req, 500, { reason: 'CSeq out of order' }));
      return;
    }
    switch (req.method) {
      case 'BYE':
        tx.respond(this.replies.response(req, 200));
        this.log.info('sip caller hung up');
        void this.control.callerHungUp();
        return;
      case 'INVITE':
        return this.onReInvite(req, tx as InviteServerTransaction);
      case 'UPDATE':
        return this.onUpdate(req, tx);
      case 'INFO':
        return answerInfo(req, tx, this.replies, this.control, this.log);
      case 'NOTIFY':
        return answerNotify(req, tx, this.replies, this.referSent, this.control);
      case 'OPTIONS':
        tx.respond(this.replies.withAllow(this.replies.response(req, 200)));
        return;
      default:
        tx.respond(this.replies.withAllow(this.replies.response(req, 405)));
    }
  }

  /** CANCEL for our INVITE (same branch). Before the 200: 487; after it (the race): the call stays. */
  cancel(cancel: SipRequest, tx: NonNullable<IncomingRequest['tx']>): void {
    tx.respond(this.replies.response(cancel, 200));
    if (this.control.state !== 'offered') {
      this.log.info({ state: this.control.state }, 'sip CANCEL after answer ignored');
      return;
    }
    this.log.info('sip call cancelled before answer');
    void this.control.end('cancelled', { callerGone: true });
  }

  /**
   * The caller's TCP/WebSocket flow closed. Nothing can reach the caller any more (RFC 7118 §5: a
   * WebSocket peer is only reachable over its connection), so the call ends now instead of living on
   * with nobody at the other end.
   */
  flowClosed(): void {
    if (this.control.state === 'ended') return;
    this.log.info({ state: this.control.state }, 'sip caller flow closed; ending the call');
    void this.control.end('signalling_lost', { callerGone: true });
  }

  /** Agent- or shutdown-initiated hangup: BYE when answered, 480 while still ringing. */
  hangup(reason: Teardown['reason']): Promise<void> {
    return this.control.end(reason);
  }

  // CallLeg: what the controller decided.

  refer(target: string): void {
    this.referSent = true;
    this.log.info({ target }, 'sip sending REFER');
    sendRefer(this.dialog, this.d.endpoint, this.control, target);
  }

  sendDtmf(digits: string): void {
    this.media.sendDtmf(digits);
  }

  async release(t: Teardown): Promise<void> {
    if (this.ringTimer) this.d.clock.clearTimeout(this.ringTimer);
    this.sessionWatch.stop();
    if (t.tellAgent) this.media.notify({ type: 'hangup', reason: t.reason });
    this.media.stop(t.reason);
    if (!this.finalSent) {
      // Not answered yet: the final response ends it — 487 when the caller went away (CANCEL, a BYE
      // in the early dialog: RFC 3261 §15.1.2, its flow closed), 480 when we end it (shutdown).
      this.respondInvite(this.replies.response(this.invite.req, t.byeCaller ? 480 : 487));
    } else if (t.byeCaller) await this.bye(t.reason);
    if (this.inviteTx.state === 'accepted') this.inviteTx.terminate();
  }

  private bye(reason: string): Promise<void> {
    this.log.info({ reason }, 'sip sending BYE');
    return new Promise((resolve) => {
      const { req, dest } = this.dialog.createRequest('BYE', [['User-Agent', this.d.userAgent]]);
      this.d.endpoint.request(req, dest, (res, timedOut) => {
        if (res.status < 200) return;
        this.log.debug({ status: res.status, timedOut }, 'sip BYE answered');
        resolve();
      });
    });
  }

  private answer(): void {
    if (this.control.state !== 'offered') return;
    const res = this.replies.response(this.invite.req, 200);
    res.headers.append('Contact', this.dialog.localContact);
    res.headers.append('Content-Type', 'application/sdp');
    res.body = this.answerSdp;
    this.replies.withAllow(res);
    for (const [n, v] of sessionTimerHeaders(this.timerTerms)) res.headers.append(n, v);
    this.control.answered();
    this.inviteTx.onAckTimeout = () => {
      this.log.warn('sip no ACK for 200 OK; hanging up');
      void this.control.end('signalling_lost');
    };
    this.respondInvite(res);
    this.sessionWatch.refreshed(this.timerTerms);
    this.log.info({ profile: this.profile.name }, 'sip call answered');
  }

  private respondInvite(res: SipResponse): void {
    this.finalSent = true;
    this.inviteTx.respond(res);
  }

  private onAck(req: SipRequest): void {
    const seq = parseCSeq(req.headers.get('cseq'))?.seq ?? -1;
    const reinvite = this.pendingAcks.get(seq);
    if (reinvite) {
      reinvite.ack();
      this.pendingAcks.delete(seq);
      if (this.answerInAck.delete(seq)) this.onReInviteAnswer(req.body);
      return;
    }
    if (this.control.state !== 'answered' || this.inviteTx.state !== 'accepted') return;
    this.inviteTx.ack();
    let negotiated = this.answerSdp;
    if (this.awaitingAnswer) {
      this.awaitingAnswer = false;
      const applied = this.applyAnswer(req.body);
      if (!applied.ok) {
        this.log.warn({ reason: applied.reason }, 'sip no usable answer in the ACK to our offer; hanging up');
        void this.control.end('media_lost');
        return;
      }
      negotiated = req.body;
    }
    const from = fromHeader(this.invite.req)?.uri.user ?? '';
    const to = toHeader(this.invite.req)?.uri.user ?? '';
    const codec = /^a=rtpmap:\d+ (PCMU|PCMA|opus)\//im.exec(negotiated)?.[1];
    this.media
      .start({
        callId: this.callId,
        from,
        to,
        profile: this.profile.name,
        source: 'embedded',
        ...(codec ? { codec } : {}),
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

  /** UPDATE (RFC 3311): a new offer (hold, codec change) or a bare session refresh; no ACK follows. */
  private onUpdate(req: SipRequest, tx: NonNullable<IncomingRequest['tx']>): void {
    const screened = this.replies.screenOffer(req, this.pendingAcks.size > 0);
    if ('refusal' in screened) return tx.respond(screened.refusal);
    const ok = (answer?: string): void => {
      const res = this.replies.response(req, 200);
      res.headers.append('Contact', this.dialog.localContact);
      if (answer) {
        res.headers.append('Content-Type', 'application/sdp');
        res.body = answer;
      }
      for (const [n, v] of sessionTimerHeaders(screened.terms)) res.headers.append(n, v);
      this.sessionWatch.refreshed(screened.terms);
      tx.respond(res);
    };
    if (!req.body) return ok();
    this.negotiate(req.body, (result) => {
      if (!result.ok) return tx.respond(this.replies.response(req, result.status, { reason: result.reason }));
      this.answerSdp = result.answer;
      if (result.held !== undefined) this.control.callerHold(result.held);
      ok(result.answer);
      this.log.info('sip UPDATE offer accepted');
    });
  }

  private onReInvite(req: SipRequest, tx: InviteServerTransaction): void {
    const screened = this.replies.screenOffer(req, this.pendingAcks.size > 0);
    if ('refusal' in screened) return tx.respond(screened.refusal);
    const { terms } = screened;
    const seq = parseCSeq(req.headers.get('cseq'))?.seq ?? 0;
    this.pendingAcks.set(seq, tx); // a second re-INVITE meanwhile gets 491
    const done = (result: SdpResult): void => {
      if (!result.ok) {
        this.pendingAcks.delete(seq);
        tx.respond(this.replies.response(req, result.status, { reason: result.reason }));
        return;
      }
      this.answerSdp = result.answer;
      if (result.held !== undefined) this.control.callerHold(result.held);
      const res = this.replies.response(req, 200);
      res.headers.append('Contact', this.dialog.localContact);
      res.headers.append('Content-Type', 'application/sdp');
      res.body = result.answer;
      for (const [n, v] of sessionTimerHeaders(terms)) res.headers.append(n, v);
      this.sessionWatch.refreshed(terms);
      tx.onAckTimeout = () => {
        this.pendingAcks.delete(seq);
        this.answerInAck.delete(seq);
      };
      tx.respond(res);
      this.log.info('sip re-INVITE accepted');
    };
    if (req.body) return this.negotiate(req.body, done);
    // No SDP (RFC 3261 §14.2): we offer in the 200 OK — every codec we have, so the caller may change
    // it — and the answer comes in the ACK. Media that cannot offer repeats its last answer.
    const offer = this.media.createOffer?.();
    if (!offer) return done({ ok: true, answer: this.answerSdp });
    if (offer.ok) this.answerInAck.add(seq);
    done(offer.ok ? { ok: true, answer: offer.offer } : offer);
  }

  /** The ACK to a re-INVITE without SDP carries the answer to our offer. Without one, the session stays as it was. */
  private onReInviteAnswer(body: string): void {
    const applied = this.applyAnswer(body);
    if (!applied.ok) {
      this.log.warn({ reason: applied.reason }, 'sip no usable answer in the re-INVITE ACK; media unchanged');
      return;
    }
    this.control.callerHold(applied.held);
    this.log.info({ held: applied.held }, 'sip answer to our re-INVITE offer applied');
  }

  private applyAnswer(body: string): AnswerApplied {
    if (body.trim() === '' || !this.media.acceptAnswer)
      return { ok: false, status: 488, reason: 'no answer in the ACK' };
    return this.media.acceptAnswer(body);
  }
}
