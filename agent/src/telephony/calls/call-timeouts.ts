/**
 * The one set of call-control timeouts both telephony back-ends use. Tests shorten them through the
 * options that carry a `Partial<CallTimeouts>`; nothing else defines its own.
 */
import { TRANSFER_OUTCOME_MS } from '../../conversation/call-channel.js';

export interface CallTimeouts {
  /**
   * From the agent's transfer request to a final outcome (the REFER's answer, then the NOTIFY that
   * reports the transfer). At the deadline the agent is told it failed (408). The conversation waits
   * longer than this (TRANSFER_OUTCOME_MS + a margin), so it is never told before we are sure.
   */
  transferMs: number;
  /** The agent's fork connects (drachtio: FreeSWITCH's connect event; embedded: the link opens). */
  forkConnectMs: number;
  /** A call to a softphone user that nobody answers ends with 480 after this long. */
  noAnswerMs: number;
  /** stop(): how long BYEs and un-REGISTERs may take before the sockets close anyway. */
  stopMs: number;
  /** A REGISTER we send gets a final response within this (64·T1, with a margin), else it counts as 408. */
  registerMs: number;
}

export const CALL_TIMEOUTS: Readonly<CallTimeouts> = {
  transferMs: TRANSFER_OUTCOME_MS,
  forkConnectMs: 5000,
  noAnswerMs: 60_000,
  stopMs: 3000,
  registerMs: 34_000,
};

export function callTimeouts(overrides: Partial<CallTimeouts> = {}): CallTimeouts {
  return { ...CALL_TIMEOUTS, ...overrides };
}
