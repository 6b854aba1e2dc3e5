/**
 * One call's control, whichever back-end carries it. An explicit state machine (CALL_TRANSITIONS)
 * owns the call's policy — blind transfer (REFER outcome, one deadline), DTMF both ways, hold, and
 * why the call ended (CallEndReason, the call record's vocabulary) — while the back-end's CallLeg does
 * the plumbing (SIP dialog, RTP or FreeSWITCH, the fork) and the agent hears about it through
 * AgentNotices (the fork protocol's notices). SIP behaviours that need a per-call decision (session
 * timers, re-INVITE offers, early-dialog BYE) belong here too, as further events of this machine.
 */
import type { Clock, TimerHandle } from '../../time/clock.js';
import type { AgentProfile } from '../../config/profile-schema.js';
import { endReasonOf, type CallEndReason } from '../../conversation/call-record.js';
import type { InboundMessage } from '../../fork/protocol.js';
import type { Logger } from '../../log.js';
import type { Router } from '../../routing/router.js';
import { callTimeouts, type CallTimeouts } from './call-timeouts.js';
import { isDialableDtmf, isDtmfDigit, parseSipfrag } from './sip-text.js';

/**
 * offered: admitted, the offer is being answered. answered: 200 OK (or FreeSWITCH's answer) sent, the
 * agent's link not up yet. active / held: talking (held: the caller put us on hold). transferring: a
 * REFER is out. ending: tearing down. ended: gone.
 */
export type CallState = 'offered' | 'answered' | 'active' | 'held' | 'transferring' | 'ending' | 'ended';

export const CALL_TRANSITIONS: Readonly<Record<CallState, readonly CallState[]>> = {
  offered: ['answered', 'ending'],
  answered: ['active', 'ending'],
  active: ['held', 'transferring', 'ending'],
  held: ['active', 'transferring', 'ending'],
  transferring: ['active', 'held', 'ending'],
  ending: ['ended'],
  ended: [],
};

/** What the back-end must do to end the call, decided here. */
export interface Teardown {
  reason: CallEndReason;
  /** Send the agent a hangup notice: its link is up and it did not end the call itself. */
  tellAgent: boolean;
  /** The caller is still there: BYE it (or send the final response while unanswered). */
  byeCaller: boolean;
  /** The agent never came: play the apology before hanging up. */
  apologise: boolean;
}

/** The back-end's plumbing for one call. */
export interface CallLeg {
  /** Send REFER (Refer-To: target) on the caller's dialog; answers come back to referAnswered/referNotify. */
  refer(target: string): void;
  /** RFC 4733 (or the media server's equivalent) digits to the caller; already validated. */
  sendDtmf(digits: string): void;
  release(t: Teardown): Promise<void> | void;
}

/** Notices to the agent (the fork protocol's inbound messages). */
export interface AgentNotices {
  notify(msg: InboundMessage): void;
}

export interface CallControllerOptions {
  callId: string;
  profile: AgentProfile;
  router: Pick<Router, 'transferTarget'>;
  leg: CallLeg;
  agent: AgentNotices;
  clock: Clock;
  log: Logger;
  timeouts?: Partial<CallTimeouts>;
  onEnded?(reason: CallEndReason): void;
}

interface Transfer {
  target: string;
  /** The REFER got a 2xx: the transferee is working on it. */
  accepted: boolean;
  timer: TimerHandle;
}

export class CallController {
  private current: CallState = 'offered';
  private held = false;
  private agentLinked = false;
  private transfer: Transfer | undefined;
  /** A transfer we reported failed at its deadline, in case the far end completes it anyway. */
  private abandoned: string | undefined;
  private ending: Promise<void> | undefined;
  private readonly timeouts: CallTimeouts;
  private readonly log: Logger;
  endReason: CallEndReason | undefined;

  constructor(private readonly o: CallControllerOptions) {
    this.timeouts = callTimeouts(o.timeouts);
    this.log = o.log;
  }

  get state(): CallState {
    return this.current;
  }

  get onHold(): boolean {
    return this.held;
  }

  get profile(): AgentProfile {
    return this.o.profile;
  }

  /** The caller got our answer (200 OK, or FreeSWITCH answered for us). */
  answered(): void {
    this.transition('answered');
  }

  /** The agent's link is up: notices reach it from now on. */
  agentConnected(): void {
    if (this.current !== 'answered') return;
    this.agentLinked = true;
    this.transition('active');
  }

  callerDtmf(digit: string, durationMs?: number): void {
    if (!this.agentLinked || !this.talking()) return;
    if (!isDtmfDigit(digit)) return void this.log.debug({ digit }, 'caller DTMF not a digit, dropped');
    const msg: InboundMessage = { type: 'dtmf', digit: digit.toUpperCase() };
    if (durationMs !== undefined) msg.durationMs = durationMs;
    this.o.agent.notify(msg);
  }

  /** The caller's offer put us on hold (sendonly/inactive) or took us off it. */
  callerHold(held: boolean): void {
    if (held === this.held) return;
    this.held = held;
    this.log.info({ held }, held ? 'caller put the call on hold' : 'caller resumed the call');
    if (held && this.current === 'active') this.transition('held');
    else if (!held && this.current === 'held') this.transition('active');
  }

  /** BYE from the caller. After the transferee accepted our REFER, its BYE means the transfer happened. */
  callerHungUp(): Promise<void> {
    if (this.transfer?.accepted || this.abandoned !== undefined) {
      this.log.info('caller left after accepting the transfer');
      if (this.transfer) this.settleTransfer({ type: 'transferResult', ok: true, status: 200 });
      return this.end('transferred', { callerGone: true });
    }
    return this.end('caller_hangup', { callerGone: true });
  }

  agentTransfer(target: string): void {
    const uri = this.o.router.transferTarget(this.o.profile, target);
    const refuse = (status: number, reason: string): void => {
      this.log.warn({ target, reason }, 'transfer refused');
      this.o.agent.notify({ type: 'transferResult', ok: false, status, reason });
    };
    if (!uri) return refuse(403, 'target not in profile');
    if (this.transfer) return refuse(491, 'a transfer is already in progress');
    if (this.current !== 'active' && this.current !== 'held')
      return refuse(403, 'call not in a state to transfer');
    this.transition('transferring');
    this.abandoned = undefined;
    const timer = this.o.clock.setTimeout(() => this.transferDeadline(), this.timeouts.transferMs);
    this.transfer = { target: uri, accepted: false, timer };
    this.log.info({ target: uri }, 'transferring the caller (REFER)');
    this.o.leg.refer(uri);
  }

  /** The final response to our REFER (2xx: accepted, the NOTIFYs tell the rest). */
  referAnswered(status: number, reason?: string): void {
    const t = this.transfer;
    if (!t || status < 200) return;
    if (status < 300) {
      t.accepted = true;
      return;
    }
    this.failTransfer(status, reason ?? 'REFER refused');
  }

  /** A NOTIFY (Event: refer) in the dialog: its sipfrag is the transfer's progress or outcome. */
  referNotify(body: string, subscriptionState?: string): void {
    const frag = parseSipfrag(body);
    const terminated = /^\s*terminated/i.test(subscriptionState ?? '');
    if (!this.transfer) {
      if (this.abandoned && frag && frag.status >= 200 && frag.status < 300) {
        this.log.warn(
          { target: this.abandoned },
          'transfer completed after its deadline; the caller has left',
        );
        void this.end('transferred', { callerGone: false });
      }
      return;
    }
    if (!frag) {
      if (terminated) this.failTransfer(500, 'subscription ended without outcome');
      return;
    }
    this.log.debug({ status: frag.status }, 'transfer progress');
    if (frag.status < 200) return;
    if (frag.status >= 300) return this.failTransfer(frag.status, frag.reason);
    this.settleTransfer({ type: 'transferResult', ok: true, status: frag.status, reason: frag.reason });
    void this.end('transferred', { callerGone: false });
  }

  agentDtmf(digits: string): void {
    if (!isDialableDtmf(digits))
      return void this.log.warn({ length: digits.length }, 'sendDtmf with invalid digits ignored');
    if (this.held) return void this.log.warn('sendDtmf ignored: the caller has the call on hold');
    if (this.current !== 'active' && this.current !== 'transferring') return;
    this.o.leg.sendDtmf(digits);
  }

  /** The agent ended the call (fork `disconnect`, possibly with its reason) or its link closed. */
  agentHangup(reason?: string): Promise<void> {
    return this.end(endReasonOf(reason, 'agent_hangup'), { agentGone: true });
  }

  /** End the call once: decide who is told, then let the leg do it. Idempotent. */
  end(reason: CallEndReason, o: { callerGone?: boolean; agentGone?: boolean } = {}): Promise<void> {
    if (this.ending) return this.ending;
    this.endReason = reason;
    const teardown: Teardown = {
      reason,
      tellAgent: this.agentLinked && !o.agentGone && reason !== 'fork_failed',
      byeCaller: !o.callerGone,
      apologise: reason === 'fork_failed',
    };
    if (this.transfer) this.o.clock.clearTimeout(this.transfer.timer);
    this.transfer = undefined;
    this.transition('ending');
    this.log.info({ reason }, 'call ending');
    this.ending = (async () => {
      try {
        await this.o.leg.release(teardown);
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'call teardown failed');
      }
      this.transition('ended');
      this.o.onEnded?.(reason);
    })();
    return this.ending;
  }

  private talking(): boolean {
    return this.current === 'active' || this.current === 'held' || this.current === 'transferring';
  }

  private transferDeadline(): void {
    const t = this.transfer;
    if (!t) return;
    // Accepted but unsettled: the transferee may still complete it (RFC 3515 has no way to stop it).
    if (t.accepted) this.abandoned = t.target;
    this.failTransfer(408, 'no transfer outcome in time');
  }

  private failTransfer(status: number, reason: string): void {
    if (!this.transfer) return;
    this.log.info({ status, reason }, 'transfer failed');
    this.settleTransfer({ type: 'transferResult', ok: false, status, reason });
    this.transition(this.held ? 'held' : 'active');
  }

  private settleTransfer(result: InboundMessage & { type: 'transferResult' }): void {
    if (this.transfer) this.o.clock.clearTimeout(this.transfer.timer);
    this.transfer = undefined;
    this.o.agent.notify(result);
  }

  private transition(next: CallState): void {
    if (next === this.current) return;
    if (!CALL_TRANSITIONS[this.current].includes(next)) {
      this.log.debug({ from: this.current, to: next }, 'call: state change not allowed, ignored');
      return;
    }
    this.log.debug({ from: this.current, to: next }, 'call state');
    this.current = next;
  }
}
