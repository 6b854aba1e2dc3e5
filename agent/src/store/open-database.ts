/** Opens (creating if needed) the SQLite database: WAL, synchronous=NORMAL, foreign keys, migrated. */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { migrate } from './schema.js';
import { StoreError } from './store-types.js';

export const MEMORY_DB = ':memory:';

export function openDatabase(path: string): Database {
  try {
    if (path !== MEMORY_DB) mkdirSync(dirname(path), { recursive: true });
    const db = new BetterSqlite3(path);
    // WAL + NORMAL: a committed turn survives a process crash; an OS crash/power loss may lose the last
    // few commits (the WAL is synced at checkpoints), which is the usual trade for per-turn writes.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db);
    return db;
  } catch (err) {
    throw new StoreError('open_failed', `cannot open database at ${path}`, { cause: err });
  }
}
