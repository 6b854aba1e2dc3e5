/**
 * INVITE client transaction (RFC 3261 §17.1.1, with RFC 6026's Accepted state): timer A retransmits
 * over UDP, timer B gives up (408) while nothing came back, a non-2xx final is ACKed here (same
 * branch), 2xx responses (retransmissions too) go to the TU, which ACKs them in the dialog.
 */
import type { TimerHandle } from '../../../time/clock.js';
import type { ClientTransactionOptions } from './client-transaction.js';
import { SipHeaders } from './headers.js';
import { parseCSeq, type SipRequest, type SipResponse } from './message.js';
import { RetransmitTimer, timeoutResponse } from './retransmit-timer.js';

export type InviteClientState = 'calling' | 'proceeding' | 'accepted' | 'completed' | 'terminated';

/** Same shape as the non-INVITE one: a timeout arrives as a synthetic 408 with timedOut. */
export type InviteClientTransactionOptions = ClientTransactionOptions;

export class InviteClientTransaction {
  state: InviteClientState = 'calling';
  /** Timers A (retransmit) and B (give up). */
  private readonly timerAB: RetransmitTimer;
  private timerEnd: TimerHandle | undefined;
  private ackFor: SipRequest | undefined;

  constructor(
    readonly request: SipRequest,
    private readonly o: InviteClientTransactionOptions,
  ) {
    this.timerAB = new RetransmitTimer(
      o,
      (interval) => this.retransmit(interval),
      () => this.timeout(),
    );
  }

  start(): void {
    this.o.send(this.request);
    this.timerAB.start();
  }

  receive(res: SipResponse): void {
    if (this.state === 'terminated') return;
    if (res.status < 200) {
      if (this.state !== 'calling' && this.state !== 'proceeding') return;
      this.state = 'proceeding';
      this.timerAB.stop();
      this.o.onResponse(res, false);
      return;
    }
    if (res.status < 300) {
      if (this.state === 'completed') return;
      const first = this.state !== 'accepted';
      this.state = 'accepted';
      this.timerAB.stop();
      if (first) this.timerEnd = this.o.clock.setTimeout(() => this.terminate(), 64 * this.o.timers.t1);
      this.o.onResponse(res, false); // retransmitted 2xx too: the TU re-sends its ACK
      return;
    }
    if (this.state === 'completed') {
      if (this.ackFor) this.o.send(this.ackFor); // retransmitted final: ACK again
      return;
    }
    if (this.state === 'accepted') return;
    this.state = 'completed';
    this.timerAB.stop();
    this.ackFor = ackForFinal(this.request, res);
    this.o.send(this.ackFor);
    this.o.onResponse(res, false);
    const timerD = this.o.reliable ? 0 : 32_000;
    this.timerEnd = this.o.clock.setTimeout(() => this.terminate(), timerD);
  }

  terminate(): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    this.timerAB.stop();
    if (this.timerEnd) this.o.clock.clearTimeout(this.timerEnd);
    this.o.onTerminated();
  }

  /** Timer A: doubles from T1 with no T2 cap, while no response came. */
  private retransmit(interval: number): number | undefined {
    if (this.state !== 'calling') return undefined;
    this.o.send(this.request);
    return interval * 2;
  }

  private timeout(): void {
    if (this.state !== 'calling') return;
    this.terminate();
    this.o.onResponse(timeoutResponse(this.request), true);
  }
}

/** ACK for a non-2xx final (RFC 3261 §17.1.1.3): same Request-URI, top Via, From, Call-ID, Route; To from the response. */
export function ackForFinal(invite: SipRequest, res: SipResponse): SipRequest {
  return sameBranchRequest(invite, 'ACK', res.headers.get('to') ?? '');
}

/** CANCEL for a pending INVITE (RFC 3261 §9.1): same Request-URI, top Via (branch), From, To, Call-ID, Route. */
export function cancelFor(invite: SipRequest): SipRequest {
  return sameBranchRequest(invite, 'CANCEL', invite.headers.get('to') ?? '');
}

/** A request in the INVITE's transaction (its top Via, so its branch), with the INVITE's CSeq number. */
function sameBranchRequest(invite: SipRequest, method: 'ACK' | 'CANCEL', to: string): SipRequest {
  const h = new SipHeaders();
  const via = invite.headers.getAll('via')[0];
  if (via) h.append('Via', via);
  for (const r of invite.headers.getAll('route')) h.append('Route', r);
  h.append('Max-Forwards', '70');
  h.append('From', invite.headers.get('from') ?? '');
  h.append('To', to);
  h.append('Call-ID', invite.headers.get('call-id') ?? '');
  h.append('CSeq', `${parseCSeq(invite.headers.get('cseq'))?.seq ?? 1} ${method}`);
  return { kind: 'request', method, uri: invite.uri, headers: h, body: '' };
}
