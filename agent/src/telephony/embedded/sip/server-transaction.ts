/**
 * Server transactions (RFC 3261 §17.2, with RFC 6026's Accepted state for 2xx). They only decide
 * when to (re)send a response and when to give up; the gateway decides what to answer.
 */
import type { Clock, TimerHandle } from '../../../time/clock.js';
import type { SipResponse } from './message.js';
import { nextInterval, type SipTimers } from './timers.js';

export interface ServerTransactionOptions {
  clock: Clock;
  timers: SipTimers;
  /** Reliable transport (TCP): no retransmissions, zero-length wait states. */
  reliable: boolean;
  send(res: SipResponse): void;
  onTerminated(): void;
}

export type InviteServerState = 'proceeding' | 'accepted' | 'completed' | 'confirmed' | 'terminated';

export class InviteServerTransaction {
  state: InviteServerState = 'proceeding';
  private last: SipResponse | undefined;
  private retransmitTimer: TimerHandle | undefined;
  private giveUpTimer: TimerHandle | undefined;
  private interval: number;

  /** Called when no ACK arrives for a final response within 64·T1 (timer H / RFC 6026 timer L). */
  onAckTimeout: (final: SipResponse) => void = () => undefined;

  constructor(private readonly o: ServerTransactionOptions) {
    this.interval = o.timers.t1;
  }

  get lastResponse(): SipResponse | undefined {
    return this.last;
  }

  respond(res: SipResponse): void {
    if (this.state !== 'proceeding') return;
    this.last = res;
    this.o.send(res);
    if (res.status < 200) return;
    this.state = res.status < 300 ? 'accepted' : 'completed';
    // 2xx is retransmitted by the UAS core on every transport (§13.3.1.4); non-2xx only over UDP (timer G).
    if (res.status < 300 || !this.o.reliable) this.scheduleRetransmit();
    this.giveUpTimer = this.o.clock.setTimeout(() => this.ackTimedOut(), 64 * this.o.timers.t1);
  }

  /** A retransmitted INVITE: absorb it and re-send the last response. */
  retransmission(): void {
    if (this.last && this.state !== 'terminated') this.o.send(this.last);
  }

  /** ACK for a non-2xx final (same branch) or for our 2xx (the dialog matched it). */
  ack(): void {
    if (this.state === 'completed') {
      this.state = 'confirmed';
      this.clearTimers();
      const timerI = this.o.reliable ? 0 : this.o.timers.t4;
      this.giveUpTimer = this.o.clock.setTimeout(() => this.terminate(), timerI);
    } else if (this.state === 'accepted') {
      this.terminate();
    }
  }

  terminate(): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    this.clearTimers();
    this.o.onTerminated();
  }

  private scheduleRetransmit(): void {
    this.retransmitTimer = this.o.clock.setTimeout(() => {
      if (this.state !== 'accepted' && this.state !== 'completed') return;
      if (this.last) this.o.send(this.last);
      this.interval = nextInterval(this.interval, this.o.timers);
      this.scheduleRetransmit();
    }, this.interval);
  }

  private ackTimedOut(): void {
    const final = this.last;
    const wasAccepted = this.state === 'accepted';
    this.terminate();
    if (final && (wasAccepted || final.status >= 300)) this.onAckTimeout(final);
  }

  private clearTimers(): void {
    if (this.retransmitTimer) this.o.clock.clearTimeout(this.retransmitTimer);
    if (this.giveUpTimer) this.o.clock.clearTimeout(this.giveUpTimer);
    this.retransmitTimer = undefined;
    this.giveUpTimer = undefined;
  }
}

export type NonInviteServerState = 'trying' | 'proceeding' | 'completed' | 'terminated';

export class NonInviteServerTransaction {
  state: NonInviteServerState = 'trying';
  private last: SipResponse | undefined;
  private timerJ: TimerHandle | undefined;

  constructor(private readonly o: ServerTransactionOptions) {}

  respond(res: SipResponse): void {
    if (this.state === 'completed' || this.state === 'terminated') return;
    this.last = res;
    this.o.send(res);
    if (res.status < 200) {
      this.state = 'proceeding';
      return;
    }
    this.state = 'completed';
    const j = this.o.reliable ? 0 : 64 * this.o.timers.t1;
    this.timerJ = this.o.clock.setTimeout(() => this.terminate(), j);
  }

  /** Retransmitted request: absorbed while trying, answered with the last response afterwards. */
  retransmission(): void {
    if (this.last && (this.state === 'proceeding' || this.state === 'completed')) this.o.send(this.last);
  }

  terminate(): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    if (this.timerJ) this.o.clock.clearTimeout(this.timerJ);
    this.o.onTerminated();
  }
}
