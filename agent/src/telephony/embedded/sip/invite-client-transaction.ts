/**
 * INVITE client transaction (RFC 3261 §17.1.1, with RFC 6026's Accepted state): timer A retransmits
 * over UDP, timer B gives up (408) while nothing came back, a non-2xx final is ACKed here (same
 * branch), 2xx responses (retransmissions too) go to the TU, which ACKs them in the dialog.
 */
import type { Clock, TimerHandle } from '../../../audio/clock.js';
import { SipHeaders } from './headers.js';
import { parseCSeq, type SipRequest, type SipResponse } from './message.js';
import { nextInterval, type SipTimers } from './timers.js';

export type InviteClientState = 'calling' | 'proceeding' | 'accepted' | 'completed' | 'terminated';

export interface InviteClientTransactionOptions {
  clock: Clock;
  timers: SipTimers;
  reliable: boolean;
  send(req: SipRequest): void;
  /** Every response; a timeout arrives as a synthetic 408 with timedOut. */
  onResponse(res: SipResponse, timedOut: boolean): void;
  onTerminated(): void;
}

export class InviteClientTransaction {
  state: InviteClientState = 'calling';
  private interval: number;
  private timerA: TimerHandle | undefined;
  private timerB: TimerHandle | undefined;
  private timerEnd: TimerHandle | undefined;
  private ackFor: SipRequest | undefined;

  constructor(
    readonly request: SipRequest,
    private readonly o: InviteClientTransactionOptions,
  ) {
    this.interval = o.timers.t1;
  }

  start(): void {
    this.o.send(this.request);
    if (!this.o.reliable) this.scheduleA();
    this.timerB = this.o.clock.setTimeout(() => this.timeout(), 64 * this.o.timers.t1);
  }

  receive(res: SipResponse): void {
    if (this.state === 'terminated') return;
    if (res.status < 200) {
      if (this.state !== 'calling' && this.state !== 'proceeding') return;
      this.state = 'proceeding';
      this.clearAB();
      this.o.onResponse(res, false);
      return;
    }
    if (res.status < 300) {
      if (this.state === 'completed') return;
      const first = this.state !== 'accepted';
      this.state = 'accepted';
      this.clearAB();
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
    this.clearAB();
    this.ackFor = ackForFinal(this.request, res);
    this.o.send(this.ackFor);
    this.o.onResponse(res, false);
    const timerD = this.o.reliable ? 0 : 32_000;
    this.timerEnd = this.o.clock.setTimeout(() => this.terminate(), timerD);
  }

  terminate(): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    this.clearAB();
    if (this.timerEnd) this.o.clock.clearTimeout(this.timerEnd);
    this.o.onTerminated();
  }

  private scheduleA(): void {
    this.timerA = this.o.clock.setTimeout(() => {
      if (this.state !== 'calling') return;
      this.o.send(this.request);
      this.interval = nextInterval(this.interval, { ...this.o.timers, t2: Number.MAX_SAFE_INTEGER });
      this.scheduleA();
    }, this.interval);
  }

  private timeout(): void {
    if (this.state !== 'calling') return;
    const res: SipResponse = {
      kind: 'response',
      status: 408,
      reason: 'Request Timeout',
      headers: this.request.headers.clone(),
      body: '',
    };
    this.terminate();
    this.o.onResponse(res, true);
  }

  private clearAB(): void {
    if (this.timerA) this.o.clock.clearTimeout(this.timerA);
    if (this.timerB) this.o.clock.clearTimeout(this.timerB);
    this.timerA = undefined;
    this.timerB = undefined;
  }
}

/** ACK for a non-2xx final (RFC 3261 §17.1.1.3): same Request-URI, top Via, From, Call-ID, Route; To from the response. */
export function ackForFinal(invite: SipRequest, res: SipResponse): SipRequest {
  const h = new SipHeaders();
  const via = invite.headers.getAll('via')[0];
  if (via) h.append('Via', via);
  for (const r of invite.headers.getAll('route')) h.append('Route', r);
  h.append('Max-Forwards', '70');
  h.append('From', invite.headers.get('from') ?? '');
  h.append('To', res.headers.get('to') ?? '');
  h.append('Call-ID', invite.headers.get('call-id') ?? '');
  h.append('CSeq', `${parseCSeq(invite.headers.get('cseq'))?.seq ?? 1} ACK`);
  return { kind: 'request', method: 'ACK', uri: invite.uri, headers: h, body: '' };
}

/** CANCEL for a pending INVITE (RFC 3261 §9.1): same Request-URI, top Via (branch), From, To, Call-ID, Route. */
export function cancelFor(invite: SipRequest): SipRequest {
  const h = new SipHeaders();
  const via = invite.headers.getAll('via')[0];
  if (via) h.append('Via', via);
  for (const r of invite.headers.getAll('route')) h.append('Route', r);
  h.append('Max-Forwards', '70');
  h.append('From', invite.headers.get('from') ?? '');
  h.append('To', invite.headers.get('to') ?? '');
  h.append('Call-ID', invite.headers.get('call-id') ?? '');
  h.append('CSeq', `${parseCSeq(invite.headers.get('cseq'))?.seq ?? 1} CANCEL`);
  return { kind: 'request', method: 'CANCEL', uri: invite.uri, headers: h, body: '' };
}
