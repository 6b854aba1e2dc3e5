/**
 * A call from one registered user (or trusted peer) to another user's AoR, as a signalling-only B2BUA:
 * the caller's INVITE is forked to every registered contact of the callee, over the flows they
 * registered on; the SDP offer and answer are relayed untouched so WebRTC media flows directly between
 * the two phones. Relays 18x, the first 2xx (other branches are CANCELled), failures, ACK, CANCEL and
 * BYE; in-dialog requests (re-INVITE for hold, INFO) are relayed by UserCallRelay.
 */
import type { Clock, TimerHandle } from '../../time/clock.js';
import type { Logger } from '../../log.js';
import { bestFinal, buildForkInvite, type Binding, type CalleeFork } from './user-call-fork.js';
import { UserCallRelay } from './user-call-relay.js';
import { Dialog } from './sip/dialog.js';
import type { IncomingRequest, SipEndpoint } from './sip/endpoint.js';
import { newTag } from './sip/ids.js';
import { buildResponse, parseCSeq, type SipRequest, type SipResponse } from './sip/message.js';
import type { InviteServerTransaction } from './sip/server-transaction.js';
import type { SipPeer } from './sip/transport.js';
import type { TransportName } from './sip/via.js';

export type UserCallState = 'trying' | 'early' | 'answered' | 'confirmed' | 'ended';

const TRANSITIONS: Record<UserCallState, UserCallState[]> = {
  trying: ['early', 'answered', 'ended'],
  early: ['answered', 'ended'],
  answered: ['confirmed', 'ended'],
  confirmed: ['ended'],
  ended: [],
};

export interface UserCallDeps {
  endpoint: SipEndpoint;
  clock: Clock;
  log: Logger;
  userAgent: string;
  /** Our Contact for a leg over this transport. */
  contactFor(transport: TransportName): string;
  /** Give up ringing after this long (480). */
  noAnswerMs: number;
  /** A dialog of this call now exists: route its in-dialog requests here. */
  onDialog(dialogId: string, call: UserCall): void;
  onEnded(call: UserCall): void;
}

export class UserCall {
  state: UserCallState = 'trying';
  readonly callId: string;
  readonly a: Dialog;
  private readonly aTx: InviteServerTransaction;
  private readonly forks: CalleeFork[];
  private readonly failures: number[] = [];
  private winner: CalleeFork | undefined;
  private noAnswer: TimerHandle | undefined;
  private relay: UserCallRelay | undefined;
  private readonly log: Logger;

  constructor(
    private readonly d: UserCallDeps,
    private readonly invite: IncomingRequest & { tx: InviteServerTransaction },
    readonly callee: string,
    targets: Binding[],
  ) {
    this.callId = invite.req.headers.get('call-id') ?? '';
    this.log = d.log.child({ callId: this.callId, callee });
    this.aTx = invite.tx;
    this.a = Dialog.fromInvite(invite.req, newTag(), invite.source, d.contactFor(invite.source.transport))!;
    this.forks = targets.map((binding) => ({
      binding,
      state: 'pending',
      req: buildForkInvite(invite.req, binding, {
        contact: d.contactFor(binding.flow.transport),
        host: d.endpoint.advertisedHost,
        userAgent: d.userAgent,
      }),
    }));
  }

  begin(): void {
    this.d.onDialog(this.a.id, this);
    this.log.info({ branches: this.forks.length }, 'sip user call: forking to registered contacts');
    for (const f of this.forks) {
      f.tx = this.d.endpoint.invite(f.req, f.binding.flow, (res, timedOut) =>
        this.onForkResponse(f, res, timedOut),
      );
    }
    this.noAnswer = this.d.clock.setTimeout(() => this.giveUp(480, 'no answer'), this.d.noAnswerMs);
  }

  /** In-dialog request or ACK from either side. */
  handle(incoming: IncomingRequest): void {
    const fromA = this.isFromA(incoming.req);
    const { req, tx } = incoming;
    if (req.method === 'ACK' && fromA && this.state === 'answered' && this.isInitialSeq(req))
      return this.onAckA(req);
    if (req.method === 'BYE' && fromA && tx && (this.state === 'trying' || this.state === 'early')) {
      // The caller hung up in the early dialog (RFC 3261 §15.1.2): 200 for the BYE, 487 for its
      // INVITE, and the ringing branches are cancelled.
      tx.respond(this.response(req, 200));
      return this.giveUp(487, 'caller hung up before the answer');
    }
    if (!this.relay) {
      if (tx) tx.respond(this.response(req, 481));
      return;
    }
    this.relay.handle(incoming, fromA ? 'a' : 'b');
  }

  /** The flows this call's legs run over (caller, and the answering callee once there is one). */
  flows(): SipPeer[] {
    return this.winner ? [this.a.flow, this.winner.binding.flow] : [this.a.flow];
  }

  /** CANCEL from the caller (same branch as its INVITE). */
  cancel(cancel: SipRequest, tx: NonNullable<IncomingRequest['tx']>): void {
    tx.respond(this.response(cancel, 200));
    if (this.state !== 'trying' && this.state !== 'early') return;
    this.log.info('sip user call: caller cancelled');
    this.giveUp(487, 'cancelled');
  }

  /** Shutdown or agent-side hangup: 480 while ringing, BYE both legs once answered. */
  async hangup(reason: string): Promise<void> {
    if (this.state === 'trying' || this.state === 'early') return this.giveUp(480, reason);
    if (this.state === 'ended') return;
    await this.relay?.byeBoth(reason);
    this.finish(reason);
  }

  /**
   * A TCP/WebSocket connection closed. A ringing branch over it fails at once (480, as if the phone
   * had vanished); once answered, losing either side's flow ends the call with a BYE to the other.
   */
  flowClosed(peer: SipPeer): void {
    const on = (flow: SipPeer) =>
      flow.transport === peer.transport && flow.connectionId === peer.connectionId;
    if (this.state === 'trying' || this.state === 'early') {
      for (const f of this.forks) {
        if ((f.state === 'pending' || f.state === 'early') && on(f.binding.flow)) {
          f.tx?.terminate();
          this.branchFailed(f, 480, 'flow closed');
        }
      }
      if (on(this.invite.source)) this.giveUp(487, 'caller flow closed');
      return;
    }
    if (this.state === 'ended' || !this.relay) return;
    const aGone = on(this.a.flow);
    if (!aGone && !(this.winner && on(this.winner.binding.flow))) return;
    this.log.info({ side: aGone ? 'caller' : 'callee' }, 'sip user call: flow closed; ending the call');
    void this.relay.byeOne(aGone ? 'b' : 'a');
    this.finish('flow closed');
  }

  private onForkResponse(f: CalleeFork, res: SipResponse, timedOut: boolean): void {
    if (res.status === 100) return;
    if (res.status < 200) return this.onProvisional(f, res);
    if (res.status < 300) return this.onForkAnswer(f, res);
    this.branchFailed(f, timedOut ? 408 : res.status, timedOut ? 'timeout' : 'rejected');
  }

  private branchFailed(f: CalleeFork, status: number, why: string): void {
    if (f.state === 'failed' || f.state === 'answered') return;
    f.state = 'failed';
    this.failures.push(status);
    this.log.info({ status, why }, 'sip user call: branch failed');
    const open = this.forks.some((x) => x.state === 'pending' || x.state === 'early');
    if (!open && !this.winner && (this.state === 'trying' || this.state === 'early')) {
      this.giveUp(bestFinal(this.failures), 'all branches failed', false);
    }
  }

  private onProvisional(f: CalleeFork, res: SipResponse): void {
    if (f.state === 'pending') f.state = 'early';
    if (this.state !== 'trying' && this.state !== 'early') return;
    this.transition('early');
    const out = this.response(this.invite.req, res.status, res.reason);
    out.headers.append('Contact', this.a.localContact); // 18x with a To tag creates an early dialog (§12.1.1)
    this.copyBody(res, out);
    this.aTx.respond(out);
  }

  private onForkAnswer(f: CalleeFork, res: SipResponse): void {
    if (f === this.winner) {
      if (f.ack) this.d.endpoint.sendAck(cloneReq(f.ack.req), f.ack.dest); // 2xx retransmitted: ACK again
      return;
    }
    const dialog = Dialog.fromUac(f.req, res, f.binding.flow, f.req.headers.get('contact') ?? '');
    if (!dialog) return;
    f.dialog = dialog;
    if (this.winner || (this.state !== 'trying' && this.state !== 'early')) {
      // A second answer (forking race) or an answer after CANCEL: confirm it and end it at once.
      this.log.info('sip user call: late answer from another branch; ACK and BYE');
      this.ackFork(f, '');
      const bye = dialog.createRequest('BYE', [['User-Agent', this.d.userAgent]]);
      this.d.endpoint.request(bye.req, bye.dest, () => undefined);
      return;
    }
    this.winner = f;
    f.state = 'answered';
    this.d.onDialog(dialog.id, this);
    for (const other of this.forks) if (other !== f) this.cancelFork(other);
    this.clearNoAnswer();
    this.relay = new UserCallRelay({
      endpoint: this.d.endpoint,
      log: this.log,
      userAgent: this.d.userAgent,
      legs: { a: this.a, b: dialog },
      onBye: (reason) => this.finish(reason),
    });
    const out = this.response(this.invite.req, 200);
    out.headers.append('Contact', this.a.localContact);
    this.copyBody(res, out);
    this.transition('answered');
    this.aTx.onAckTimeout = () => {
      this.log.warn('sip user call: no ACK from the caller; hanging up');
      void this.hangup('no ACK');
    };
    this.aTx.respond(out);
    this.log.info({ contact: f.binding.contact }, 'sip user call answered');
  }

  private onAckA(req: SipRequest): void {
    this.aTx.ack();
    this.transition('confirmed');
    if (this.winner) this.ackFork(this.winner, req.body, req.headers.get('content-type'));
  }

  private ackFork(f: CalleeFork, body: string, type?: string): void {
    if (!f.dialog) return;
    const seq = parseCSeq(f.req.headers.get('cseq'))?.seq ?? 1;
    const ack = f.dialog.createAck(seq, body, body ? type : undefined);
    f.ack = { req: cloneReq(ack.req), dest: ack.dest };
    this.d.endpoint.sendAck(ack.req, ack.dest);
  }

  private cancelFork(f: CalleeFork): void {
    if (!f.tx || (f.state !== 'pending' && f.state !== 'early')) return;
    f.state = 'failed';
    if (f.tx.state === 'proceeding') this.d.endpoint.cancel(f.tx, f.binding.flow);
    // Still 'calling' (no provisional yet): RFC 3261 §9.1 says wait for one; over a reliable flow we
    // send the CANCEL anyway, the UA answers it with 481 or 200 and its INVITE with 487.
    else if (f.tx.state === 'calling') this.d.endpoint.cancel(f.tx, f.binding.flow);
  }

  /** End the ringing call with a final status to the caller, cancelling the branches. */
  private giveUp(status: number, reason: string, cancelForks = true): void {
    if (this.state !== 'trying' && this.state !== 'early') return;
    if (cancelForks) for (const f of this.forks) this.cancelFork(f);
    this.aTx.respond(this.response(this.invite.req, status));
    this.log.info({ status, reason }, 'sip user call not connected');
    this.finish(reason);
  }

  private finish(reason: string): void {
    if (this.state === 'ended') return;
    this.clearNoAnswer();
    if (this.aTx.state === 'accepted') this.aTx.terminate();
    this.transition('ended');
    this.log.debug({ reason }, 'sip user call ended');
    this.d.onEnded(this);
  }

  /** Dialog ids this call answers to (the caller's, and the winning branch's once answered). */
  dialogIds(): string[] {
    return [this.a.id, ...(this.winner?.dialog ? [this.winner.dialog.id] : [])];
  }

  private isFromA(req: SipRequest): boolean {
    const toTag = /;\s*tag=([^;\s]+)/i.exec(req.headers.get('to') ?? '')?.[1];
    return toTag === this.a.localTag && (req.headers.get('call-id') ?? '') === this.a.callId;
  }

  private isInitialSeq(req: SipRequest): boolean {
    return parseCSeq(req.headers.get('cseq'))?.seq === parseCSeq(this.invite.req.headers.get('cseq'))?.seq;
  }

  private clearNoAnswer(): void {
    if (this.noAnswer) this.d.clock.clearTimeout(this.noAnswer);
    this.noAnswer = undefined;
  }

  private copyBody(from: SipResponse, to: SipResponse): void {
    if (!from.body) return;
    to.headers.append('Content-Type', from.headers.get('content-type') ?? 'application/sdp');
    to.body = from.body;
  }

  private transition(next: UserCallState): void {
    if (this.state === next) return;
    if (!TRANSITIONS[this.state].includes(next)) {
      this.log.warn({ from: this.state, to: next }, 'sip user call: illegal state change ignored');
      return;
    }
    this.state = next;
  }

  private response(req: SipRequest, status: number, reason?: string): SipResponse {
    const res = buildResponse(req, status, { toTag: this.a.localTag, ...(reason ? { reason } : {}) });
    if (req.method === 'INVITE' && status > 100 && status < 300) {
      for (const rr of req.headers.getAll('record-route')) res.headers.append('Record-Route', rr);
    }
    res.headers.append('Server', this.d.userAgent);
    return res;
  }
}

function cloneReq(req: SipRequest): SipRequest {
  return { ...req, headers: req.headers.clone() };
}
