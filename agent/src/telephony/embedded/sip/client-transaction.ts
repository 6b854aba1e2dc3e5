/**
 * Non-INVITE client transaction (RFC 3261 §17.1.2) for the requests we send: BYE, REFER, REGISTER,
 * OPTIONS. Timer E retransmits over UDP (T1 doubling to T2, T2 once a provisional came), timer F
 * gives up after 64·T1 with a synthetic 408, timer K absorbs late retransmitted responses.
 */
import type { Clock, TimerHandle } from '../../../audio/clock.js';
import type { SipRequest, SipResponse } from './message.js';
import { nextInterval, type SipTimers } from './timers.js';

export type ClientTransactionState = 'trying' | 'proceeding' | 'completed' | 'terminated';

export interface ClientTransactionOptions {
  clock: Clock;
  timers: SipTimers;
  reliable: boolean;
  send(req: SipRequest): void;
  /** Every response (provisional and final); a timeout arrives as status 408 with timedOut. */
  onResponse(res: SipResponse, timedOut: boolean): void;
  onTerminated(): void;
}

export class NonInviteClientTransaction {
  state: ClientTransactionState = 'trying';
  private interval: number;
  private timerE: TimerHandle | undefined;
  private timerF: TimerHandle | undefined;
  private timerK: TimerHandle | undefined;

  constructor(
    readonly request: SipRequest,
    private readonly o: ClientTransactionOptions,
  ) {
    this.interval = o.timers.t1;
  }

  start(): void {
    this.o.send(this.request);
    if (!this.o.reliable) this.scheduleE();
    this.timerF = this.o.clock.setTimeout(() => this.timeout(), 64 * this.o.timers.t1);
  }

  receive(res: SipResponse): void {
    if (this.state === 'completed' || this.state === 'terminated') return;
    if (res.status < 200) {
      this.state = 'proceeding';
      this.o.onResponse(res, false);
      return;
    }
    this.state = 'completed';
    this.clear();
    this.o.onResponse(res, false);
    const k = this.o.reliable ? 0 : this.o.timers.t4;
    this.timerK = this.o.clock.setTimeout(() => this.terminate(), k);
  }

  terminate(): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    this.clear();
    if (this.timerK) this.o.clock.clearTimeout(this.timerK);
    this.o.onTerminated();
  }

  private scheduleE(): void {
    this.timerE = this.o.clock.setTimeout(() => {
      if (this.state !== 'trying' && this.state !== 'proceeding') return;
      this.o.send(this.request);
      this.interval =
        this.state === 'proceeding' ? this.o.timers.t2 : nextInterval(this.interval, this.o.timers);
      this.scheduleE();
    }, this.interval);
  }

  private timeout(): void {
    if (this.state !== 'trying' && this.state !== 'proceeding') return;
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

  private clear(): void {
    if (this.timerE) this.o.clock.clearTimeout(this.timerE);
    if (this.timerF) this.o.clock.clearTimeout(this.timerF);
    this.timerE = undefined;
    this.timerF = undefined;
  }
}
