/**
 * Places outbound calls: the one place both back-ends' outbound calls are decided. Checks a request
 * (planCall), holds it to the API flood limit and the route's limits, answers a repeated idempotency
 * key with the call it already placed, writes the call record (direction outbound) before dialling,
 * runs the ring timeout (then CANCEL: no_answer), maps the final response to the outcome, and frees
 * the route's place when the call is over. The back-end's OutboundDialer does only the plumbing.
 */
import { randomUUID } from 'node:crypto';
import type { Clock, TimerHandle } from '../../../time/clock.js';
import type { AgentProfile } from '../../../config/profile-schema.js';
import type { CallEndReason } from '../../../conversation/call-record.js';
import type { Logger } from '../../../log.js';
import { OutboundLimits } from './outbound-limits.js';
import { outcomeOf, planCall } from './outbound-policy.js';
import {
  OutboundError,
  type DialPlan,
  type OutboundDialer,
  type OutboundLeg,
  type OutboundOutcome,
  type OutboundRecords,
  type OutboundRequest,
  type OutboundRoute,
} from './outbound-types.js';

export type OutboundCallState = 'ringing' | 'answered' | 'ended';

interface Placed {
  plan: DialPlan;
  state: OutboundCallState;
  leg?: OutboundLeg;
  ringTimer?: TimerHandle;
  cancelCause?: 'ring_timeout' | 'api_cancel';
  outcome?: OutboundOutcome;
}

export interface OutboundCallsOptions {
  routes: readonly OutboundRoute[];
  profile(name: string): AgentProfile | undefined;
  /** Absent: this agent has no telephony that can dial (503). */
  dialer?: OutboundDialer;
  records: OutboundRecords;
  clock: Clock;
  log: Logger;
  /** Which back-end places the calls (the record's `source`). */
  source: string;
  /** Wall-clock time for the record (the Clock is monotonic). */
  now?: () => Date;
  /** API-wide new-call requests (default 5 per second, bursts of 10). */
  apiRate?: { perSecond: number; burst: number };
}

const IDEMPOTENCY_TTL_MS = 24 * 3600_000;
const MAX_KEYS = 10_000;
/** Ended calls kept for state() and DELETE answers. */
const MAX_ENDED = 1000;

export class OutboundCalls {
  private readonly calls = new Map<string, Placed>();
  private readonly keys = new Map<string, { callId: string; at: number }>();
  private readonly limits: OutboundLimits;
  private readonly log: Logger;

  constructor(private readonly o: OutboundCallsOptions) {
    this.limits = new OutboundLimits(o.clock, o.apiRate ?? { perSecond: 5, burst: 10 });
    this.log = o.log.child({ component: 'outbound' });
  }

  /** Place a call, or return the one this idempotency key already placed. Throws OutboundError. */
  place(req: OutboundRequest): { callId: string; existing: boolean } {
    const key = req.idempotencyKey;
    if (key !== undefined) {
      const seen = this.keys.get(key);
      if (seen && this.o.clock.now() - seen.at < IDEMPOTENCY_TTL_MS)
        return { callId: seen.callId, existing: true };
    }
    this.limits.request();
    if (!this.o.dialer)
      throw new OutboundError('unavailable', 'request', 'no telephony back-end can place calls here');
    const plan = planCall(this.o, req, randomUUID());
    this.limits.acquire(plan.route);
    if (key !== undefined) this.remember(key, plan.callId);
    const placed: Placed = { plan, state: 'ringing' };
    this.calls.set(plan.callId, placed);
    this.o.records.outboundStarted({
      callId: plan.callId,
      from: plan.from,
      to: plan.to,
      profile: plan.profile.name,
      source: this.o.source,
      route: `${plan.route.kind}:${plan.route.name}`,
      startedAt: this.wallClock(),
    });
    this.log.info(
      {
        callId: plan.callId,
        route: plan.route.name,
        kind: plan.route.kind,
        profile: plan.profile.name,
        to: plan.to,
      },
      'placing outbound call',
    );
    placed.ringTimer = this.o.clock.setTimeout(
      () => this.stopRinging(placed, 'ring_timeout'),
      req.maxRingSeconds * 1000,
    );
    placed.leg = this.o.dialer.dial(plan, {
      progress: (status) => this.log.debug({ callId: plan.callId, status }, 'outbound call progress'),
      answered: () => this.answered(placed),
      failed: (status, reason) => this.failed(placed, status, reason),
      ended: (reason) => this.ended(placed, reason),
    });
    return { callId: plan.callId, existing: false };
  }

  /** DELETE while ringing: CANCEL. `not_ringing` once answered or over; `unknown` for a call not placed here. */
  cancel(callId: string): 'cancelling' | 'not_ringing' | 'unknown' {
    const placed = this.calls.get(callId);
    if (!placed) return 'unknown';
    if (placed.state !== 'ringing') return 'not_ringing';
    this.stopRinging(placed, 'api_cancel');
    return 'cancelling';
  }

  state(callId: string): { state: OutboundCallState; outcome?: OutboundOutcome } | undefined {
    const p = this.calls.get(callId);
    return p && { state: p.state, ...(p.outcome ? { outcome: p.outcome } : {}) };
  }

  /** Calls in progress (ringing or answered) on a route. */
  inProgressOn(route: Pick<OutboundRoute, 'kind' | 'name'>): number {
    return this.limits.inProgressOn(route);
  }

  /** Shutdown: cancel whatever still rings (answered calls end with the back-end's own stop). */
  stop(): void {
    for (const p of this.calls.values()) if (p.state === 'ringing') this.stopRinging(p, 'api_cancel');
  }

  private stopRinging(p: Placed, cause: 'ring_timeout' | 'api_cancel'): void {
    if (p.state !== 'ringing' || p.cancelCause) return;
    p.cancelCause = cause;
    this.log.info({ callId: p.plan.callId, cause }, 'cancelling outbound call');
    p.leg?.cancel();
  }

  private answered(p: Placed): void {
    if (p.state !== 'ringing') return;
    this.clearRing(p);
    p.state = 'answered';
    p.outcome = 'answered';
    this.o.records.outboundSettled(p.plan.callId, 'answered');
    this.log.info({ callId: p.plan.callId }, 'outbound call answered');
  }

  private failed(p: Placed, status: number, reason: string): void {
    if (p.state !== 'ringing') return;
    const outcome = outcomeOf(status, p.cancelCause);
    const endReason: CallEndReason =
      outcome === 'busy' || outcome === 'no_answer' || outcome === 'cancelled' ? outcome : 'call_failed';
    this.finish(p, outcome);
    this.o.records.outboundSettled(p.plan.callId, outcome, { endedAt: this.wallClock(), reason: endReason });
    this.log.info({ callId: p.plan.callId, status, reason, outcome }, 'outbound call not answered');
  }

  private ended(p: Placed, reason: CallEndReason): void {
    if (p.state !== 'answered') return;
    this.finish(p, 'answered');
    // The conversation records the end as well; whichever comes first stands (the store keeps the first).
    this.o.records.outboundSettled(p.plan.callId, 'answered', { endedAt: this.wallClock(), reason });
    this.log.info({ callId: p.plan.callId, reason }, 'outbound call ended');
  }

  private finish(p: Placed, outcome: OutboundOutcome): void {
    this.clearRing(p);
    p.state = 'ended';
    p.outcome = outcome;
    this.limits.release(p.plan.route);
    this.calls.delete(p.plan.callId);
    this.calls.set(p.plan.callId, p); // ended last; the oldest ended are dropped first
    if (this.calls.size > MAX_ENDED) {
      for (const [id, c] of this.calls) {
        if (this.calls.size <= MAX_ENDED) break;
        if (c.state === 'ended') this.calls.delete(id);
      }
    }
  }

  private clearRing(p: Placed): void {
    if (p.ringTimer) this.o.clock.clearTimeout(p.ringTimer);
    p.ringTimer = undefined;
  }

  private wallClock(): Date {
    return this.o.now?.() ?? new Date();
  }

  private remember(key: string, callId: string): void {
    this.keys.set(key, { callId, at: this.o.clock.now() });
    if (this.keys.size > MAX_KEYS) {
      const oldest = this.keys.keys().next().value;
      if (oldest !== undefined) this.keys.delete(oldest);
    }
  }
}
