/**
 * Call records in SQLite. Implements CallObserver: the call row is written when the call starts, each
 * turn as it completes (one autocommit statement each), and the end when it ends — so a crash loses at
 * most the turn in progress, and a call whose process died shows ended_at = null.
 */
import type { Database, Statement } from 'better-sqlite3';
import {
  hangupSideOf,
  type CallEndInfo,
  type CallEndReason,
  type CallObserver,
  type CallStartInfo,
  type LiveEvent,
  type TurnRecord,
} from '../conversation/call-record.js';
import type { OutboundOutcome, OutboundRecords } from '../telephony/calls/outbound/outbound-types.js';
import { openDatabase } from './open-database.js';
import { callFromRow, turnFromRow, turnToRow, type CallRow, type TurnRow } from './rows.js';
import {
  DEFAULT_LIST_LIMIT,
  MAX_LIST_LIMIT,
  StoreError,
  type CallDetail,
  type CallQueries,
  type CallSummary,
  type ListCallsQuery,
} from './store-types.js';

const CALL_COLUMNS = `c.id, c.call_id, c.from_addr, c.to_addr, c.profile, c.source, c.started_at, c.ended_at,
  c.end_reason, c.direction, c.route, c.outcome, c.hangup_by, c.answer_kind, c.answer_reason,
  c.answer_latency_ms, c.answer_action, (SELECT COUNT(*) FROM turns t WHERE t.call_id = c.call_id) AS turn_count`;

/** Every turn column; a rewrite of the same turn (same index) replaces them all. */
const TURN_COLUMNS = [
  'call_id',
  'idx',
  'user_text',
  'agent_text',
  'interrupted',
  'tool_calls',
  'end_of_utterance_delay_ms',
  'stt_delay_ms',
  'llm_ttft_ms',
  'tts_ttfb_ms',
  'voice_to_voice_ms',
  'llm_ms',
  'tools_ms',
  'chunking_ms',
  'engine_ms',
  'preemptive',
  'prompt_tokens',
  'completion_tokens',
  'llm_calls',
  'faults',
  'started_at',
  'ended_at',
] as const satisfies readonly (keyof TurnRow)[];

function upsertTurnSql(): string {
  const updated = TURN_COLUMNS.filter((c) => c !== 'call_id' && c !== 'idx');
  return `INSERT INTO turns (${TURN_COLUMNS.join(', ')})
    VALUES (${TURN_COLUMNS.map((c) => `@${c}`).join(', ')})
    ON CONFLICT (call_id, idx) DO UPDATE SET ${updated.map((c) => `${c} = excluded.${c}`).join(', ')}`;
}

export class CallStore implements CallObserver, CallQueries, OutboundRecords {
  private readonly insertCall: Statement;
  private readonly upsertTurn: Statement;
  private readonly endCall: Statement;
  private readonly insertOutbound: Statement;
  private readonly setOutcome: Statement;
  private readonly setAnswer: Statement;
  private readonly selectDirection: Statement;
  private readonly selectCall: Statement;
  private readonly selectTurns: Statement;
  private readonly touchHealth: Statement;
  private readonly listStatements = new Map<string, Statement>();

  /** Opens (creating directories and schema as needed) the database at `path`, or ':memory:'. */
  static open(path: string): CallStore {
    return new CallStore(openDatabase(path));
  }

  constructor(readonly db: Database) {
    this.insertCall = db.prepare(
      `INSERT INTO calls (call_id, from_addr, to_addr, profile, source, started_at)
       VALUES (@callId, @from, @to, @profile, @source, @startedAt)
       ON CONFLICT (call_id) DO NOTHING`,
    );
    this.upsertTurn = db.prepare(upsertTurnSql());
    this.endCall = db.prepare(
      `UPDATE calls SET ended_at = @endedAt, end_reason = @reason, hangup_by = @side
       WHERE call_id = @callId AND ended_at IS NULL`,
    );
    this.insertOutbound = db.prepare(
      `INSERT INTO calls (call_id, from_addr, to_addr, profile, source, started_at, direction, route)
       VALUES (@callId, @from, @to, @profile, @source, @startedAt, 'outbound', @route)
       ON CONFLICT (call_id) DO NOTHING`,
    );
    this.setOutcome = db.prepare(`UPDATE calls SET outcome = @outcome WHERE call_id = @callId`);
    this.setAnswer = db.prepare(
      `UPDATE calls SET answer_kind = @kind, answer_reason = @reason, answer_latency_ms = @latencyMs,
       answer_action = @action WHERE call_id = @callId`,
    );
    this.selectDirection = db.prepare(`SELECT direction FROM calls WHERE call_id = ?`);
    this.selectCall = db.prepare(`SELECT ${CALL_COLUMNS} FROM calls c WHERE c.call_id = ?`);
    this.selectTurns = db.prepare(`SELECT * FROM turns WHERE call_id = ? ORDER BY idx`);
    this.touchHealth = db.prepare(`UPDATE health SET checked_at = ? WHERE id = 1`);
  }

  /** A second start for the same call id is ignored: the first record (and its turns) wins. */
  callStarted(info: CallStartInfo): void {
    this.insertCall.run({
      callId: info.callId,
      from: info.from,
      to: info.to,
      profile: info.profile,
      source: info.source,
      startedAt: info.startedAt.getTime(),
    });
  }

  /** Writes (or rewrites, same index) one turn. Throws StoreError('unknown_call') if the call was never started. */
  turnCompleted(turn: TurnRecord): void {
    try {
      this.upsertTurn.run(turnToRow(turn));
    } catch (err) {
      if ((err as { code?: unknown }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
        throw new StoreError('unknown_call', 'turn for a call that was never started', { cause: err });
      }
      throw err;
    }
  }

  /** Live events are not stored; turns carry what matters. */
  live(_callId: string, _event: LiveEvent): void {}

  /** Records the end once, and who hung up; a repeated end keeps the first reason. */
  callEnded(info: CallEndInfo): void {
    this.end(info.callId, info.endedAt, info.reason);
  }

  /** An outbound call is being placed: its record exists from now on (the conversation's start is then a no-op). */
  outboundStarted(info: Parameters<OutboundRecords['outboundStarted']>[0]): void {
    this.insertOutbound.run({ ...info, startedAt: info.startedAt.getTime() });
  }

  outboundSettled(
    callId: string,
    outcome: OutboundOutcome,
    end?: { endedAt: Date; reason: CallEndReason },
  ): void {
    this.setOutcome.run({ callId, outcome });
    if (end) this.end(callId, end.endedAt, end.reason);
  }

  /** The answer classifier's decision on an outbound call, and what the agent did about it. */
  answerDecided(
    callId: string,
    a: { kind: string; reason: string; latencyMs: number; action: string },
  ): void {
    this.setAnswer.run({ callId, ...a });
  }

  private end(callId: string, endedAt: Date, reason: CallEndReason): void {
    const row = this.selectDirection.get(callId) as { direction: string } | undefined;
    const side = hangupSideOf(reason, row?.direction === 'outbound' ? 'outbound' : 'inbound');
    this.endCall.run({ callId, endedAt: endedAt.getTime(), reason, side });
  }

  listCalls(query: ListCallsQuery = {}): CallSummary[] {
    const limit = Math.min(Math.max(Math.trunc(query.limit ?? DEFAULT_LIST_LIMIT), 1), MAX_LIST_LIMIT);
    const where: string[] = [];
    const params: Record<string, unknown> = { limit };
    if (query.profile !== undefined) {
      where.push('c.profile = @profile');
      params.profile = query.profile;
    }
    if (query.before instanceof Date) {
      where.push('c.started_at < @beforeMs');
      params.beforeMs = query.before.getTime();
    } else if (query.before !== undefined) {
      where.push('(c.started_at, c.id) < (SELECT b.started_at, b.id FROM calls b WHERE b.id = @beforeId)');
      params.beforeId = query.before;
    }
    const sql =
      `SELECT ${CALL_COLUMNS} FROM calls c ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ` +
      'ORDER BY c.started_at DESC, c.id DESC LIMIT @limit';
    let stmt = this.listStatements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.listStatements.set(sql, stmt);
    }
    return (stmt.all(params) as CallRow[]).map(callFromRow);
  }

  getCall(callId: string): CallDetail | undefined {
    const row = this.selectCall.get(callId) as CallRow | undefined;
    if (!row) return undefined;
    const turns = (this.selectTurns.all(callId) as TurnRow[]).map(turnFromRow);
    return { ...callFromRow(row), turns };
  }

  /** For readiness: performs a real (tiny) write. */
  checkWritable(): { ok: boolean; detail: string } {
    try {
      this.touchHealth.run(Date.now());
      return { ok: true, detail: 'writable' };
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      return { ok: false, detail: typeof code === 'string' ? code : 'write failed' };
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
