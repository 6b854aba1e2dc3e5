/**
 * The call-level backstops of one profile, on the injected clock: the longest call (a polite goodbye,
 * then the hangup, reason max_duration) and the caller's silence (the reprompt after idleRepromptS,
 * a goodbye and hangup after idleHangupS, reason caller_idle). Silence counts from the caller's last
 * sound or DTMF, or the end of the agent's last turn — but the reprompt itself does not restart it.
 * While the agent is busy (talking, thinking) nothing fires; its turn ending restarts the count.
 */
import type { Clock, TimerHandle } from '../../time/clock.js';
import type { BackstopSettings } from '../../config/profile-schema.js';
import type { Logger } from '../../log.js';
import { ENGINE_END_REASONS, type EngineEndReason } from '../end-reasons.js';

export interface BackstopHooks {
  /** A turn is running (the agent thinks or talks). */
  busy(): boolean;
  /** Say the reprompt as a turn of its own. */
  reprompt(phrase: string): void;
  /** Say goodbye, let it play, hang up with `reason`. */
  goodbye(reason: EngineEndReason, phrase: string): void;
}

/** Once the call is over its maximum, how long a running reply may still finish before the goodbye. */
const MAX_DURATION_GRACE_MS = 10_000;
const BUSY_RECHECK_MS = 500;

export class CallBackstops {
  private quietSince: number;
  private reprompted = false;
  private idleTimer: TimerHandle | undefined;
  private maxTimer: TimerHandle | undefined;
  private over = false;

  constructor(
    private readonly clock: Clock,
    private readonly s: BackstopSettings,
    private readonly hooks: BackstopHooks,
    private readonly log: Logger,
  ) {
    this.quietSince = clock.now();
  }

  start(): void {
    if (this.s.maxCallDurationS > 0) {
      this.maxTimer = this.clock.setTimeout(() => this.onMaxDuration(0), this.s.maxCallDurationS * 1000);
    }
    this.armIdle();
  }

  /** The caller made a sound, pressed a key, or finished a turn. */
  callerActivity(): void {
    this.quietSince = this.clock.now();
    this.reprompted = false;
    this.armIdle();
  }

  /** An agent turn ended (not the reprompt): silence counts from now. */
  agentIdle(): void {
    this.quietSince = this.clock.now();
    this.armIdle();
  }

  close(): void {
    this.over = true;
    if (this.idleTimer) this.clock.clearTimeout(this.idleTimer);
    if (this.maxTimer) this.clock.clearTimeout(this.maxTimer);
    this.idleTimer = this.maxTimer = undefined;
  }

  private armIdle(): void {
    if (this.idleTimer) this.clock.clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const due = this.nextIdleDue();
    if (this.over || due === undefined) return;
    this.idleTimer = this.clock.setTimeout(() => this.onIdle(), Math.max(0, due - this.clock.now()));
  }

  private nextIdleDue(): number | undefined {
    const { idleRepromptS: reprompt, idleHangupS: hangup } = this.s;
    if (reprompt > 0 && !this.reprompted) return this.quietSince + reprompt * 1000;
    if (hangup > 0) return this.quietSince + hangup * 1000;
    return undefined;
  }

  private onIdle(): void {
    this.idleTimer = undefined;
    if (this.over) return;
    if (this.hooks.busy()) {
      this.idleTimer = this.clock.setTimeout(() => this.onIdle(), BUSY_RECHECK_MS);
      return;
    }
    const quietMs = this.clock.now() - this.quietSince;
    const { idleRepromptS: reprompt, idleHangupS: hangup } = this.s;
    if (hangup > 0 && quietMs >= hangup * 1000) {
      this.over = true;
      this.log.info({ quietMs }, 'caller silent too long: goodbye');
      this.hooks.goodbye(ENGINE_END_REASONS.callerIdle, this.s.phrases.idleGoodbye);
      return;
    }
    if (reprompt > 0 && !this.reprompted && quietMs >= reprompt * 1000) {
      this.reprompted = true;
      this.log.info({ quietMs }, 'caller silent: reprompting');
      this.hooks.reprompt(this.s.phrases.idleReprompt);
    }
    this.armIdle();
  }

  private onMaxDuration(waitedMs: number): void {
    this.maxTimer = undefined;
    if (this.over) return;
    if (this.hooks.busy() && waitedMs < MAX_DURATION_GRACE_MS) {
      this.maxTimer = this.clock.setTimeout(
        () => this.onMaxDuration(waitedMs + BUSY_RECHECK_MS),
        BUSY_RECHECK_MS,
      );
      return;
    }
    this.over = true;
    this.log.info(
      { maxCallDurationS: this.s.maxCallDurationS },
      'call reached its maximum duration: goodbye',
    );
    this.hooks.goodbye(ENGINE_END_REASONS.maxDuration, this.s.phrases.maxDuration);
  }
}
