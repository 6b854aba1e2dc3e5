/**
 * Session timers (RFC 4028) on the embedded gateway's agent calls, as the UAS. An INVITE asking for a
 * Session-Expires below our Min-SE gets 422 with Min-SE (§8.1). When the caller supports timers, our
 * 2xx carries Session-Expires with the refresher (the caller's choice, else the caller: `uac`) and
 * Require: timer; every re-INVITE refreshes, and a session the caller stops refreshing is ended with a
 * BYE shortly before it expires (§10). Without the caller's support we run no timer (we send no
 * refreshes of our own; §9 leaves that to a UAS that wants it).
 */
import type { Clock, TimerHandle } from '../../time/clock.js';
import type { SipHeaders } from './sip/headers.js';

/** Our Min-SE: RFC 4028's floor (§4), seconds. */
export const MIN_SE = 90;

export type SessionTimerDecision =
  /** Refuse the INVITE: 422 with this Min-SE. */
  | { kind: 'too-small'; minSe: number }
  /** Run the timer: the caller refreshes every `seconds`. */
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
  // Only the caller can refresh for us: refresher=uas would oblige us to send refreshes, which we do not.
  if (!supported || se.refresher === 'uas') return { kind: 'untimed' };
  return { kind: 'timed', seconds: se.seconds, refresher: 'uac' };
}

function parseSessionExpires(value: string | undefined): { seconds: number; refresher?: string } | undefined {
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

/** The caller refreshes; we end the session when it has not by the deadline (§10: SE − min(32, SE/3)). */
export class SessionTimerWatch {
  private timer: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly onExpired: () => void,
  ) {}

  /** (Re)start for a 2xx we just sent; `untimed` stops watching. */
  refreshed(d: SessionTimerDecision): void {
    this.stop();
    if (d.kind !== 'timed') return;
    const ms = (d.seconds - Math.min(32, d.seconds / 3)) * 1000;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.onExpired();
    }, ms);
  }

  stop(): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
