import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TurnRecord } from '../conversation/call-record.js';
import { CallStore } from './call-store.js';
import { SCHEMA_VERSION } from './schema.js';
import { StoreError } from './store-types.js';

let dir: string;
const stores: CallStore[] = [];
const open = (path: string) => {
  const s = CallStore.open(path);
  stores.push(s);
  return s;
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sb-store-'));
});
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  rmSync(dir, { recursive: true, force: true });
});

const t0 = Date.parse('2025-03-01T10:00:00.000Z');

function start(store: CallStore, callId: string, startedAtMs: number, profile = 'default') {
  store.callStarted({
    callId,
    from: '+15551234',
    to: '2000',
    profile,
    source: 'embedded',
    startedAt: new Date(startedAtMs),
  });
}

function turn(callId: string, index: number, extra: Partial<TurnRecord> = {}): TurnRecord {
  return {
    callId,
    index,
    userText: `question ${index}`,
    agentText: `answer ${index}`,
    interrupted: false,
    toolCalls: [],
    timings: {
      endOfUtteranceDelayMs: 120,
      sttDelayMs: 80,
      llmTtftMs: 300,
      ttsTtfbMs: 90,
      voiceToVoiceMs: 640,
    },
    startedAt: new Date(t0 + index * 1000),
    endedAt: new Date(t0 + index * 1000 + 900),
    ...extra,
  };
}

describe('CallStore', () => {
  it('creates a missing directory, turns on WAL, foreign keys and the schema version', () => {
    const path = join(dir, 'nested', 'deeper', 'calls.sqlite');
    const store = open(path);
    expect(existsSync(path)).toBe(true);
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(store.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(store.checkWritable()).toEqual({ ok: true, detail: 'writable' });
  });

  it("keeps a turn's stages, token usage, LLM calls and provider faults (issue 11)", () => {
    const store = open(join(dir, 'calls.sqlite'));
    start(store, 'c1', t0);
    const full = turn('c1', 0, {
      timings: {
        endOfUtteranceDelayMs: 300,
        llmTtftMs: 410,
        ttsTtfbMs: 90,
        voiceToVoiceMs: 1500,
        llmMs: 1040,
        toolsMs: 0,
        chunkingMs: 40,
        engineMs: 30,
      },
      llmCalls: [
        { model: 'gpt-4o-mini', toolCalls: 0, outcome: 'failed' },
        { model: 'gpt-4o-mini', ttftMs: 410, durationMs: 900, toolCalls: 0, outcome: 'done' },
      ],
      usage: { promptTokens: 120, completionTokens: 14 },
      faults: [{ stage: 'llm', code: 'rate_limited', action: 'retried', route: 'openai:gpt-4o-mini' }],
    });
    store.turnCompleted(full);
    store.turnCompleted(turn('c1', 1));
    const [first, second] = store.getCall('c1')!.turns;
    expect(first).toEqual(full);
    expect(second).toEqual(turn('c1', 1)); // nothing made up for a turn without them
  });

  it('persists each turn immediately: a second connection sees it mid-call', () => {
    const path = join(dir, 'calls.sqlite');
    const store = open(path);
    start(store, 'c1', t0);
    store.turnCompleted(
      turn('c1', 0, {
        interrupted: true,
        toolCalls: [{ name: 'send_dtmf', arguments: '{"digits":"1"}', result: 'ok' }],
        timings: { sttDelayMs: 75.5, voiceToVoiceMs: 610 },
        preemptive: 'used',
      }),
    );

    const reader = open(path);
    const mid = reader.getCall('c1');
    expect(mid?.endedAt).toBeNull();
    expect(mid?.turns).toEqual([
      {
        ...turn('c1', 0),
        interrupted: true,
        toolCalls: [{ name: 'send_dtmf', arguments: '{"digits":"1"}', result: 'ok' }],
        timings: { sttDelayMs: 75.5, voiceToVoiceMs: 610 },
        preemptive: 'used',
      },
    ]);

    store.turnCompleted(turn('c1', 1));
    store.callEnded({ callId: 'c1', endedAt: new Date(t0 + 5000), reason: 'caller_hangup' });
    const done = reader.getCall('c1');
    expect(done?.turns.map((t) => t.index)).toEqual([0, 1]);
    expect(done?.turns[1]?.timings).toEqual(turn('c1', 1).timings);
    expect(done).toMatchObject({
      callId: 'c1',
      from: '+15551234',
      to: '2000',
      profile: 'default',
      source: 'embedded',
      startedAt: new Date(t0),
      endedAt: new Date(t0 + 5000),
      endReason: 'caller_hangup',
      turnCount: 2,
    });
  });

  it('crash-safety: a process killed with SIGKILL mid-call leaves the call and its turns, ended_at null', async () => {
    const path = join(dir, 'crash.sqlite');
    const fixture = fileURLToPath(new URL('../testing/crash-writer.fixture.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, path], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`writer did not report in time: ${stderr}`)), 20_000);
      child.stdout.on('data', (d: Buffer) => {
        if (d.toString().includes('written')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on('exit', (code) => reject(new Error(`writer exited early (${code}): ${stderr}`)));
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;

    const store = open(path);
    const call = store.getCall('crash-1');
    expect(call?.endedAt).toBeNull();
    expect(call?.endReason).toBeNull();
    expect(call?.turns.map((t) => [t.userText, t.timings.voiceToVoiceMs])).toEqual([
      ['user 0', 500],
      ['user 1', 501],
    ]);
  });

  it('same-process crash: turns written without callEnded are there after reopening', () => {
    const path = join(dir, 'calls.sqlite');
    const store = open(path);
    start(store, 'c2', t0);
    store.turnCompleted(turn('c2', 0));
    store.turnCompleted(turn('c2', 1));
    const raw = new BetterSqlite3(path, { readonly: true });
    try {
      const row = raw.prepare('SELECT ended_at FROM calls WHERE call_id = ?').get('c2') as { ended_at: null };
      expect(row.ended_at).toBeNull();
      expect(raw.prepare('SELECT COUNT(*) AS n FROM turns').get()).toEqual({ n: 2 });
    } finally {
      raw.close();
    }
  });

  it('lists newest first and pages by row id without losing calls that share a start time', () => {
    const store = open(join(dir, 'calls.sqlite'));
    // c0..c5; c2 and c3 start in the same millisecond.
    const starts = [0, 1000, 2000, 2000, 3000, 4000];
    starts.forEach((offset, i) => start(store, `c${i}`, t0 + offset, i % 2 ? 'sales' : 'default'));
    store.turnCompleted(turn('c4', 0));

    const page1 = store.listCalls({ limit: 2 });
    expect(page1.map((c) => c.callId)).toEqual(['c5', 'c4']);
    expect(page1[1]?.turnCount).toBe(1);
    const page2 = store.listCalls({ limit: 2, before: page1[1]?.id });
    expect(page2.map((c) => c.callId)).toEqual(['c3', 'c2']);
    const page3 = store.listCalls({ limit: 2, before: page2[1]?.id });
    expect(page3.map((c) => c.callId)).toEqual(['c1', 'c0']);
    expect(store.listCalls({ limit: 2, before: page3[1]?.id })).toEqual([]);

    expect(store.listCalls({ profile: 'sales' }).map((c) => c.callId)).toEqual(['c5', 'c3', 'c1']);
    expect(store.listCalls({ before: new Date(t0 + 2000) }).map((c) => c.callId)).toEqual(['c1', 'c0']);
    expect(store.listCalls({ before: new Date(t0 + 2001), profile: 'default' }).map((c) => c.callId)).toEqual(
      ['c2', 'c0'],
    );
    expect(store.listCalls({ before: 9999 })).toEqual([]); // unknown cursor
    expect(store.listCalls({ limit: 0 })).toHaveLength(1); // clamped to at least 1
  });

  it('rewrites a turn reported twice with the same index, and refuses a turn of an unknown call', () => {
    const store = open(join(dir, 'calls.sqlite'));
    start(store, 'c1', t0);
    store.turnCompleted(turn('c1', 0));
    store.turnCompleted(turn('c1', 0, { agentText: 'trimmed', interrupted: true }));
    expect(store.getCall('c1')?.turns).toMatchObject([{ agentText: 'trimmed', interrupted: true }]);

    expect(() => store.turnCompleted(turn('nope', 0))).toThrow(StoreError);
    try {
      store.turnCompleted(turn('nope', 0));
    } catch (err) {
      expect((err as StoreError).code).toBe('unknown_call');
    }
    expect(store.getCall('nope')).toBeUndefined();
  });

  it('keeps the first start and the first end of a call', () => {
    const store = open(join(dir, 'calls.sqlite'));
    start(store, 'c1', t0, 'default');
    start(store, 'c1', t0 + 10, 'sales');
    store.callEnded({ callId: 'c1', endedAt: new Date(t0 + 100), reason: 'transferred' });
    store.callEnded({ callId: 'c1', endedAt: new Date(t0 + 200), reason: 'shutdown' });
    expect(store.getCall('c1')).toMatchObject({
      profile: 'default',
      startedAt: new Date(t0),
      endedAt: new Date(t0 + 100),
      endReason: 'transferred',
    });
  });

  it('reports a read-only database as not writable', () => {
    const path = join(dir, 'calls.sqlite');
    open(path).close();
    const ro = new CallStore(new BetterSqlite3(path, { readonly: true }));
    stores.push(ro);
    expect(ro.checkWritable()).toEqual({ ok: false, detail: 'SQLITE_READONLY' });
  });

  it('migrates once: reopening keeps the data, a newer schema is refused', () => {
    const path = join(dir, 'calls.sqlite');
    const first = open(path);
    start(first, 'c1', t0);
    first.close();
    const again = open(path);
    expect(again.getCall('c1')?.callId).toBe('c1');
    again.db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    again.close();
    expect(() => CallStore.open(path)).toThrow(StoreError);
  });
});
