/**
 * Session timers (RFC 4028) on the embedded gateway's agent calls, as the UAS. An INVITE asking for a
 * Session-Expires below our Min-SE gets 422 with Min-SE (§8.1). When the caller supports timers, our
 * 2xx carries Session-Expires with the refresher (the caller's choice; when it leaves it to us, we
 * refresh: `uas`, so the call does not depend on the caller remembering) and Require: timer. When the
 * caller refreshes, every re-INVITE/UPDATE resets the watch and a session it stops refreshing is ended
 * with a BYE shortly before it expires (§10); when we refresh, session-refresh.ts sends the refresh at
 * half the interval (§7.2). Without the caller's support we run no timer.
 */
import type { Clock, TimerHandle } from '../../time/clock.js';
import type { SipHeaders } from './sip/headers.js';

/** Our Min-SE: RFC 4028's floor (§4), seconds. */
export const MIN_SE = 90;

export type SessionTimerDecision =
  /** Refuse the INVITE: 422 with this Min-SE. */
  | { kind: 'too-small'; minSe: number }
  /** Run the timer: `refresher` (the caller: uac, we: uas) refreshes within `seconds`. */
  | { kind: 'timed'; seconds: number; refresher: 'uac' | 'uas' }
  | { kind: 'untimed' };

/** What an INVITE (or re-INVITE) with these headers gets. */
export function decideSessionTimer(headers: SipHeaders): SessionTimerDecision {
  const se = parseSessionExpires(headers.get('session-expires'));
  const minSe = Math.max(MIN_SE, Number(/^\s*(\d+)/.exec(headers.get('min-se') ?? '')?.[1] ?? 0));
  if (!se) return { kind: 'untimed' };
  if (se.seconds < minSe) return { kind: 'too-small', minSe };
  const supported = [...headers.getAll('supported'), ...headers.getAll('require')].some(
    (t) => t.toLowerCase() === 'timer',
  );
  if (!supported) return { kind: 'untimed' };
  return { kind: 'timed', seconds: se.seconds, refresher: se.refresher === 'uac' ? 'uac' : 'uas' };
}

export function parseSessionExpires(
  value: string | undefined,
): { seconds: number; refresher?: string } | undefined {
  const m = /^\s*(\d+)\s*(?:;(.*))?$/.exec(value ?? '');
  if (!m) return undefined;
  const refresher = /(?:^|;)\s*refresher\s*=\s*(uac|uas)/i.exec(m[2] ?? '')?.[1]?.toLowerCase();
  return { seconds: Number(m[1]), ...(refresher ? { refresher } : {}) };
}

/** Headers a 2xx to an INVITE/re-INVITE carries for this decision. */
export function sessionTimerHeaders(d: SessionTimerDecision): Array<[string, string]> {
  if (d.kind !== 'timed') return [['Supported', 'timer']];
  return [
    ['Session-Expires', `${d.seconds};refresher=${d.refresher}`],
    ['Require', 'timer'],
    ['Supported', 'timer'],
  ];
}

export type TimedSession = Extract<SessionTimerDecision, { kind: 'timed' }>;

/**
 * The session's deadline (§10: SE − min(32, SE/3) after the last refresh, then we end it) and, when
 * we are the refresher and can send refreshes, the refresh at SE/2 (§7.2).
 */
export class SessionTimerWatch {
  private timer: TimerHandle | undefined;
  private refreshTimer: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly onExpired: () => void,
    private readonly onRefreshDue?: (d: TimedSession) => void,
  ) {}

  private stopped = false;

  /** (Re)start after a refresh (a 2xx we sent or got); `untimed` stops watching. */
  refreshed(d: SessionTimerDecision): void {
    this.clear();
    if (d.kind !== 'timed' || this.stopped) return;
    const ms = (d.seconds - Math.min(32, d.seconds / 3)) * 1000;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.clear();
      this.onExpired();
    }, ms);
    const refresh = this.onRefreshDue;
    if (d.refresher === 'uas' && refresh)
      this.refreshTimer = this.clock.setTimeout(() => {
        this.refreshTimer = undefined;
        refresh(d);
      }, d.seconds * 500);
  }

  /** The call is over: no more timers, whatever answers still arrive. */
  stop(): void {
    this.stopped = true;
    this.clear();
  }

  private clear(): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    if (this.refreshTimer) this.clock.clearTimeout(this.refreshTimer);
    this.timer = undefined;
    this.refreshTimer = undefined;
  }
}
