/** Schema migrations, tracked with SQLite's user_version: migration N brings the db to version N+1. */
import type { Database } from 'better-sqlite3';

const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE calls (
    id          INTEGER PRIMARY KEY,
    call_id     TEXT    NOT NULL UNIQUE,
    from_addr   TEXT    NOT NULL,
    to_addr     TEXT    NOT NULL,
    profile     TEXT    NOT NULL,
    source      TEXT    NOT NULL,
    started_at  INTEGER NOT NULL,
    ended_at    INTEGER,
    end_reason  TEXT
  );
  CREATE INDEX calls_by_start ON calls (started_at DESC, id DESC);
  CREATE INDEX calls_by_profile_start ON calls (profile, started_at DESC, id DESC);
  CREATE TABLE turns (
    call_id                 TEXT    NOT NULL REFERENCES calls (call_id) ON DELETE CASCADE,
    idx                     INTEGER NOT NULL,
    user_text               TEXT    NOT NULL,
    agent_text              TEXT    NOT NULL,
    interrupted             INTEGER NOT NULL,
    tool_calls              TEXT    NOT NULL DEFAULT '[]',
    end_of_utterance_delay_ms REAL,
    stt_delay_ms            REAL,
    llm_ttft_ms             REAL,
    tts_ttfb_ms             REAL,
    voice_to_voice_ms       REAL,
    started_at              INTEGER NOT NULL,
    ended_at                INTEGER NOT NULL,
    PRIMARY KEY (call_id, idx)
  ) WITHOUT ROWID;
  CREATE TABLE health (id INTEGER PRIMARY KEY CHECK (id = 1), checked_at INTEGER NOT NULL);
  INSERT INTO health (id, checked_at) VALUES (1, 0);
  `,
  // Whether a reply prepared on the likely end of the turn was used ('used') or thrown away ('discarded').
  `ALTER TABLE turns ADD COLUMN preemptive TEXT;`,
  // Issue 11: the stages of a turn after the end-of-turn decision, its token usage, each LLM call
  // and the provider faults it met (JSON).
  `
  ALTER TABLE turns ADD COLUMN llm_ms REAL;
  ALTER TABLE turns ADD COLUMN tools_ms REAL;
  ALTER TABLE turns ADD COLUMN chunking_ms REAL;
  ALTER TABLE turns ADD COLUMN engine_ms REAL;
  ALTER TABLE turns ADD COLUMN prompt_tokens INTEGER;
  ALTER TABLE turns ADD COLUMN completion_tokens INTEGER;
  ALTER TABLE turns ADD COLUMN llm_calls TEXT;
  ALTER TABLE turns ADD COLUMN faults TEXT;
  `,
  // Issue 13: outbound calls. Which way the call went, the route it went out by, how it came out
  // (answered, busy, no_answer, failed, cancelled), who hung up, and the answer classifier's decision.
  `
  ALTER TABLE calls ADD COLUMN direction TEXT NOT NULL DEFAULT 'inbound';
  ALTER TABLE calls ADD COLUMN route TEXT;
  ALTER TABLE calls ADD COLUMN outcome TEXT;
  ALTER TABLE calls ADD COLUMN hangup_by TEXT;
  ALTER TABLE calls ADD COLUMN answer_kind TEXT;
  ALTER TABLE calls ADD COLUMN answer_reason TEXT;
  ALTER TABLE calls ADD COLUMN answer_latency_ms REAL;
  ALTER TABLE calls ADD COLUMN answer_action TEXT;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Applies the missing migrations, each in its own transaction. Refuses a db from a newer version. */
export function migrate(db: Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new Error(
      `database schema version ${current} is newer than this build supports (${SCHEMA_VERSION})`,
    );
  }
  for (let v = current; v < SCHEMA_VERSION; v++) {
    const sql = MIGRATIONS[v] as string;
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
