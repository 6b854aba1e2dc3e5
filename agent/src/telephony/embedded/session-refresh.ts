/**
 * Session refreshes we send (RFC 4028 §7.2–7.4) when we are the refresher on a call we answered:
 * UPDATE without a body when the caller's Allow lists UPDATE (§7.4 recommends no offer in it), else a
 * re-INVITE offering the SDP we last sent, unchanged (same o= version: RFC 3264 §8, nothing changes),
 * ACKed when it succeeds. 422 raises our Session-Expires to the Min-SE it names and tries again
 * (§7.4); 491 (their re-INVITE crossed ours) tries again after 2–4 s (RFC 3261 §14.1); 481, 408 or no
 * answer mean the dialog is gone, and the call ends (§10). Any other refusal leaves the session to
 * its deadline (SessionTimerWatch), which then ends it.
 */
import type { Clock } from '../../time/clock.js';
import type { Logger } from '../../log.js';
import {
  MIN_SE,
  parseSessionExpires,
  SessionTimerWatch,
  type SessionTimerDecision,
  type TimedSession,
} from './session-timer.js';
import type { Dialog } from './sip/dialog.js';
import type { SipEndpoint } from './sip/endpoint.js';
import { parseCSeq, type SipResponse } from './sip/message.js';

/** Attempts per refresh after 422/491/405 before it is left to the deadline. */
const MAX_TRIES = 4;

export interface SessionRefresherDeps {
  endpoint: Pick<SipEndpoint, 'request' | 'invite' | 'sendAck'>;
  dialog: Dialog;
  clock: Clock;
  log: Logger;
  userAgent: string;
  /** The methods the caller's INVITE said it allows (Allow). */
  peerAllows: readonly string[];
  /** The SDP we last sent (answer or offer): what a re-INVITE refresh offers again. */
  sdp(): string;
  /** A refresh succeeded: the session's terms from now on (restart the watch). */
  refreshed(d: SessionTimerDecision): void;
  /** The refresh found the dialog gone (481/408/no answer): end the call. */
  failed(status: number): void;
}

export class SessionRefresher {
  private useUpdate: boolean;
  private minSe = MIN_SE;
  private stopped = false;

  constructor(private readonly d: SessionRefresherDeps) {
    this.useUpdate = d.peerAllows.some((m) => m.trim().toUpperCase() === 'UPDATE');
  }

  /** Send one refresh for these terms (SessionTimerWatch calls this at half the interval). */
  refresh(terms: TimedSession, tries = 1): void {
    if (this.stopped) return;
    const seconds = Math.max(terms.seconds, this.minSe);
    const method = this.useUpdate ? 'UPDATE' : 'INVITE';
    const headers: Array<[string, string]> = [
      ['Session-Expires', `${seconds};refresher=uac`], // uac: we send this request, and we refresh
      ['Supported', 'timer'],
      ['User-Agent', this.d.userAgent],
    ];
    if (this.minSe > MIN_SE) headers.push(['Min-SE', String(this.minSe)]);
    const body = method === 'INVITE' ? this.d.sdp() : '';
    if (body) headers.push(['Content-Type', 'application/sdp']);
    const { req, dest } = this.d.dialog.createRequest(method, headers, body);
    const seq = parseCSeq(req.headers.get('cseq'))?.seq ?? 0;
    this.d.log.info({ method, seconds }, 'sip sending session refresh');
    const onResponse = (res: SipResponse, timedOut: boolean): void => {
      if (res.status < 200 || this.stopped) return;
      if (method === 'INVITE' && res.status < 300) {
        const ack = this.d.dialog.createAck(seq);
        this.d.endpoint.sendAck(ack.req, ack.dest); // every 2xx, retransmissions too (RFC 3261 §13.2.2.4)
      }
      this.answered(res, timedOut, { ...terms, seconds }, tries);
    };
    if (method === 'INVITE') this.d.endpoint.invite(req, dest, onResponse);
    else this.d.endpoint.request(req, dest, onResponse);
  }

  private answered(res: SipResponse, timedOut: boolean, terms: TimedSession, tries: number): void {
    const status = timedOut ? 408 : res.status;
    if (status < 300) {
      this.d.refreshed(termsFrom(res, terms));
      this.d.log.debug({ status }, 'sip session refreshed');
      return;
    }
    if (status === 481 || status === 408) {
      this.d.log.warn({ status }, 'sip session refresh found no dialog; ending the call');
      this.d.failed(status);
      return;
    }
    if (tries >= MAX_TRIES) {
      this.d.log.warn({ status }, 'sip session refresh refused; the session runs to its deadline');
      return;
    }
    if (status === 422) {
      const minSe = Number(/^\s*(\d+)/.exec(res.headers.get('min-se') ?? '')?.[1] ?? 0);
      if (minSe > terms.seconds) {
        this.minSe = minSe;
        return this.refresh({ ...terms, seconds: minSe }, tries + 1);
      }
    } else if (status === 491) {
      const ms = 2100 + Math.floor(Math.random() * 1900);
      this.d.clock.setTimeout(() => this.refresh(terms, tries + 1), ms);
      return;
    } else if (this.useUpdate && (status === 405 || status === 501)) {
      this.useUpdate = false; // its Allow said UPDATE, its answer says otherwise
      return this.refresh(terms, tries + 1);
    }
    this.d.log.warn({ status }, 'sip session refresh refused; the session runs to its deadline');
  }

  stop(): void {
    this.stopped = true;
  }
}

/**
 * The terms a 2xx to our refresh sets. Its Session-Expires may shorten the interval and names the
 * refresher from this transaction's point of view: uac is us (the call's uas), uas is the caller.
 */
function termsFrom(res: SipResponse, sent: TimedSession): SessionTimerDecision {
  const se = parseSessionExpires(res.headers.get('session-expires'));
  if (!se) return sent; // no timer support shown in the answer: we keep refreshing (§7.4)
  return { kind: 'timed', seconds: se.seconds, refresher: se.refresher === 'uas' ? 'uac' : 'uas' };
}

/** The call's session timer: its deadline, and our refreshes when we are the refresher. `end` ends the call. */
export function watchSession(
  o: Omit<SessionRefresherDeps, 'refreshed' | 'failed'> & { end(): void },
): SessionTimerWatch {
  const refresher = new SessionRefresher({
    ...o,
    refreshed: (t) => watch.refreshed(t),
    failed: () => o.end(),
  });
  const watch = new SessionTimerWatch(
    o.clock,
    () => {
      o.log.warn('sip session timer expired without a refresh; hanging up');
      o.end();
    },
    (t) => refresher.refresh(t),
  );
  return watch;
}
