/** What the store answers about calls; the HTTP API depends on this interface, not on SQLite. */
import type { TurnRecord } from '../conversation/call-record.js';

export interface CallSummary {
  /** Row id: a stable keyset cursor for paging (pass it as `before`). */
  id: number;
  callId: string;
  from: string;
  to: string;
  profile: string;
  source: string;
  startedAt: Date;
  /** null while the call is in progress, or when the process died before the call ended. */
  endedAt: Date | null;
  endReason: string | null;
  direction: 'inbound' | 'outbound';
  /** Outbound: the trunk or registration it went out by (`trunk:<name>`, `registration:<user>`). */
  route: string | null;
  /** Outbound: answered, busy, no_answer, failed or cancelled; null while it rings (and for inbound calls). */
  outcome: string | null;
  /** Who ended the call: caller, callee, agent, api or system; null while it lasts. */
  hangupBy: string | null;
  /** Outbound: who answered (answer detection) and what the agent did about it. */
  answer: AnswerRecord | null;
  turnCount: number;
}

export interface AnswerRecord {
  /** human, voicemail, ivr, screening or unknown. */
  kind: string;
  reason: string | null;
  /** From the answer to the decision. */
  latencyMs: number | null;
  /** converse, leave_message, hang_up, navigate, announce. */
  action: string | null;
}

export interface CallDetail extends CallSummary {
  /** In turn order, with timings in ms (absent when the stage did not run). */
  turns: TurnRecord[];
}

export interface ListCallsQuery {
  /** 1..500, default 50. */
  limit?: number;
  /** A row id (calls listed after it, for paging) or a time (calls that started strictly before it). */
  before?: number | Date;
  profile?: string;
}

export interface CallQueries {
  /** Newest first (started_at, then row id). */
  listCalls(query?: ListCallsQuery): CallSummary[];
  getCall(callId: string): CallDetail | undefined;
}

export type StoreErrorCode = 'unknown_call' | 'open_failed' | 'closed';

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreError';
  }
}

export const DEFAULT_LIST_LIMIT = 50;
export const MAX_LIST_LIMIT = 500;
