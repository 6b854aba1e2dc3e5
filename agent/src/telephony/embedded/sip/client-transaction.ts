/**
 * Non-INVITE client transaction (RFC 3261 §17.1.2) for the requests we send: BYE, REFER, REGISTER,
 * OPTIONS. Timer E retransmits over UDP (T1 doubling to T2, T2 once a provisional came), timer F
 * gives up after 64·T1 with a synthetic 408, timer K absorbs late retransmitted responses.
 */
import type { Clock, TimerHandle } from '../../../time/clock.js';
import type { SipRequest, SipResponse } from './message.js';
import { RetransmitTimer, timeoutResponse } from './retransmit-timer.js';
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
  /** Timers E (retransmit) and F (give up). */
  private readonly timerEF: RetransmitTimer;
  private timerK: TimerHandle | undefined;

  constructor(
    readonly request: SipRequest,
    private readonly o: ClientTransactionOptions,
  ) {
    this.timerEF = new RetransmitTimer(
      o,
      (interval) => this.retransmit(interval),
      () => this.timeout(),
    );
  }

  start(): void {
    this.o.send(this.request);
    this.timerEF.start();
  }

  receive(res: SipResponse): void {
    if (this.state === 'completed' || this.state === 'terminated') return;
    if (res.status < 200) {
      this.state = 'proceeding';
      this.o.onResponse(res, false);
      return;
    }
    this.state = 'completed';
    this.timerEF.stop();
    this.o.onResponse(res, false);
    const k = this.o.reliable ? 0 : this.o.timers.t4;
    this.timerK = this.o.clock.setTimeout(() => this.terminate(), k);
  }

  terminate(): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    this.timerEF.stop();
    if (this.timerK) this.o.clock.clearTimeout(this.timerK);
    this.o.onTerminated();
  }

  /** Timer E: doubles from T1 to T2 while trying, T2 once a provisional came. */
  private retransmit(interval: number): number | undefined {
    if (this.state !== 'trying' && this.state !== 'proceeding') return undefined;
    this.o.send(this.request);
    return this.state === 'proceeding' ? this.o.timers.t2 : nextInterval(interval, this.o.timers);
  }

  private timeout(): void {
    if (this.state !== 'trying' && this.state !== 'proceeding') return;
    this.terminate();
    this.o.onResponse(timeoutResponse(this.request), true);
  }
}
