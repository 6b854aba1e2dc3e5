/**
 * The retransmit-and-give-up schedule every client transaction runs (RFC 3261 §17.1): a retransmit
 * timer (A for INVITE, E otherwise) first firing after T1 and only over unreliable transports, and a
 * give-up timer (B / F) after 64·T1 on every transport. The transaction decides each next interval.
 */
import type { Clock, TimerHandle } from '../../../time/clock.js';
import type { SipRequest, SipResponse } from './message.js';
import type { SipTimers } from './timers.js';

export interface RetransmitTimerOptions {
  clock: Clock;
  timers: SipTimers;
  /** Reliable transport (TCP/WS): no retransmissions, the give-up timer still runs. */
  reliable: boolean;
}

/** A retransmit tick after `interval` ms: re-send and return the next interval, or undefined to stop. */
export type OnRetransmit = (interval: number) => number | undefined;

export class RetransmitTimer {
  private retransmit: TimerHandle | undefined;
  private giveUp: TimerHandle | undefined;

  constructor(
    private readonly o: RetransmitTimerOptions,
    private readonly onRetransmit: OnRetransmit,
    /** The give-up timer (64·T1) fired. */
    private readonly onTimeout: () => void,
  ) {}

  /** Arm both timers: the first retransmit after T1, give up after 64·T1. */
  start(): void {
    if (!this.o.reliable) this.schedule(this.o.timers.t1);
    this.giveUp = this.o.clock.setTimeout(() => this.onTimeout(), 64 * this.o.timers.t1);
  }

  /** Disarm both timers (a response came, or the transaction ended). Idempotent. */
  stop(): void {
    if (this.retransmit) this.o.clock.clearTimeout(this.retransmit);
    if (this.giveUp) this.o.clock.clearTimeout(this.giveUp);
    this.retransmit = undefined;
    this.giveUp = undefined;
  }

  private schedule(interval: number): void {
    this.retransmit = this.o.clock.setTimeout(() => {
      this.retransmit = undefined;
      const next = this.onRetransmit(interval);
      if (next !== undefined) this.schedule(next);
    }, interval);
  }
}

/** The synthetic 408 a client transaction reports when its give-up timer fires (§8.1.3.1). */
export function timeoutResponse(request: SipRequest): SipResponse {
  return {
    kind: 'response',
    status: 408,
    reason: 'Request Timeout',
    headers: request.headers.clone(),
    body: '',
  };
}
