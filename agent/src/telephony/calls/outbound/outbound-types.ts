/**
 * Outbound calls, as both back-ends see them: what the API asks for, the plan the shared call control
 * makes of it (which trunk or PBX registration, the Request-URI, credentials), the back-end's port
 * (OutboundDialer: plumbing only) and the outcome vocabulary of the call record.
 */
import type { AgentProfile } from '../../../config/profile-schema.js';
import type { CallEndReason } from '../../../conversation/call-record.js';

export type { CallDirection, HangupSide } from '../../../conversation/call-record.js';

/** How an outbound call came out: it was answered, or why not. */
export type OutboundOutcome = 'answered' | 'busy' | 'no_answer' | 'failed' | 'cancelled';

export interface OutboundRequest {
  to: string;
  profile: string;
  from?: string;
  trunk?: string;
  registration?: string;
  variables: Record<string, string>;
  maxRingSeconds: number;
  idempotencyKey?: string;
}

/** Where a call goes out: a trunk (by name) or a PBX registration (by its extension). */
export interface OutboundRoute {
  kind: 'trunk' | 'registration';
  name: string;
  /** Request-URI host part (host[:port]) and the transport to reach it. */
  hostPort: string;
  transport: 'udp' | 'tcp' | 'tls';
  credentials?: { username: string; password: string };
  /** Caller id used when the request gives none. */
  defaultFrom?: string;
  allow: readonly string[];
  maxConcurrent: number;
  callsPerSecond: number;
}

/** Everything a back-end needs to place one call; decided by the shared call control. */
export interface DialPlan {
  /** The SIP Call-ID, also the call record's id. */
  callId: string;
  route: OutboundRoute;
  /** sip:<to>@<host[:port]> */
  requestUri: string;
  /** sip:<from>@<host> (our identity toward the trunk or PBX). */
  fromUri: string;
  to: string;
  from: string;
  profile: AgentProfile;
  variables: Record<string, string>;
}

/** What the back-end reports while the call is placed and after it is answered. */
export interface DialEvents {
  /** A provisional response (180/183). */
  progress(status: number): void;
  /** 200 OK, ACKed; the call now runs like an inbound one (fork, conversation). */
  answered(): void;
  /** A final failure before the answer (a timeout counts as 408). */
  failed(status: number, reason: string): void;
  /** An answered call ended. */
  ended(reason: CallEndReason): void;
}

/** One call being placed, as the back-end holds it. */
export interface OutboundLeg {
  /** CANCEL while ringing (the 487 then comes as failed(487)); after the answer, nothing. */
  cancel(): void;
}

/** The back-end's plumbing: place one call per the plan. */
export interface OutboundDialer {
  dial(plan: DialPlan, events: DialEvents): OutboundLeg;
}

export type OutboundErrorCode =
  | 'bad_request'
  | 'unknown_profile'
  | 'unknown_route'
  | 'not_allowed'
  | 'rate_limited'
  | 'route_busy'
  | 'unavailable';

/** A refusal of a call request, naming the field at fault. */
export class OutboundError extends Error {
  constructor(
    readonly code: OutboundErrorCode,
    readonly field: string,
    message: string,
    readonly retryAfterS?: number,
  ) {
    super(message);
    this.name = 'OutboundError';
  }

  get status(): number {
    switch (this.code) {
      case 'not_allowed':
        return 403;
      case 'rate_limited':
      case 'route_busy':
        return 429;
      case 'unavailable':
        return 503;
      default:
        return 400;
    }
  }
}

/** What the call record learns of an outbound call (the store implements it). */
export interface OutboundRecords {
  outboundStarted(info: {
    callId: string;
    from: string;
    to: string;
    profile: string;
    source: string;
    route: string;
    startedAt: Date;
  }): void;
  /** The outcome; with `endedAt`/`reason` when the call ended without an answer. */
  outboundSettled(
    callId: string,
    outcome: OutboundOutcome,
    end?: { endedAt: Date; reason: CallEndReason },
  ): void;
}
