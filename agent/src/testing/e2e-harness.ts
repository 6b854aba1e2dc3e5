/**
 * TEST-ONLY: the whole agent as `startAgent(config)` runs it (fork server, conversation engine, real
 * provider adapters on their official SDKs, SQLite store, HTTP API, optionally the embedded SIP
 * gateway), pointed at the protocol-faithful provider fakes. Each harness has its own temp dir
 * (profiles YAML, SQLite file), HTTP on port 0, and is torn down by `stop()`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { stringify as toYaml } from 'yaml';
import { loadConfig, type Config } from '../config/load.js';
import { DEFAULT_PROFILES } from '../config/profile-schema.js';
import type { ConversationOptionsInput } from '../conversation/conversation-options.js';
import { createLogger, type Logger } from '../log.js';
import { startAgent, type RunningAgent, type StartOptions } from '../main.js';
import { startFakeProviders, type FakeProviders, type FakeProvidersScript } from './fakes/fake-providers.js';
import { ForkClient, type ForkClientOptions } from './fork-client.js';
import type { CallRow, TurnRow } from '../store/rows.js';

export const FORK_TOKEN = 'e2e-fork-token-0123456789abcdef';
export const FORK_USER = 'switchboard';
export const FORK_PASSWORD = 'e2e-fork-password';

export interface E2eOptions {
  script?: FakeProvidersScript;
  /** The profiles file as an object (written to YAML in the temp dir); default: the built-in profile. */
  profiles?: Record<string, unknown>;
  /** SIP gateway: set to start the embedded gateway on this loopback port; otherwise telephony 'none'. */
  sip?: { port: number; rtpPorts: string; transports?: string };
  conversation?: ConversationOptionsInput;
  /** Extra environment for loadConfig. */
  env?: Record<string, string>;
  /** A scripted agent instead of the conversation (call-control tests). */
  createCall?: StartOptions['createCall'];
  callTimeouts?: StartOptions['callTimeouts'];
  log?: Logger;
}

/** Rows as the store writes them (the tests read the SQLite file directly, as an operator would). */
export type StoredCall = CallRow;
export type StoredTurn = TurnRow;

export interface E2e {
  agent: RunningAgent;
  fakes: FakeProviders;
  config: Config;
  dir: string;
  dbPath: string;
  /** A FreeSWITCH-like fork client connected to the agent with the right credentials. */
  call(opts: Partial<ForkClientOptions> & { callId: string }): Promise<ForkClient>;
  getJson<T = unknown>(path: string): Promise<{ status: number; body: T }>;
  getText(path: string): Promise<string>;
  /** The calls row straight from SQLite (a separate read-only connection). */
  storedCall(callId: string): StoredCall | undefined;
  storedTurns(callId: string): StoredTurn[];
  /** Every calls row, oldest first (SIP calls get their id from the gateway). */
  storedCalls(): StoredCall[];
  /** Poll until the call row has an end reason (bounded). */
  waitForEnd(callId: string, timeoutMs?: number): Promise<StoredCall>;
  stop(): Promise<void>;
}

export async function startE2e(o: E2eOptions = {}): Promise<E2e> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-e2e-'));
  const dbPath = join(dir, 'calls.sqlite');
  const fakes = await startFakeProviders(o.script ?? {});
  const clients: ForkClient[] = [];
  try {
    const env: Record<string, string> = {
      ...fakes.env,
      LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'silent',
      SWITCHBOARD_HTTP_HOST: '127.0.0.1',
      SWITCHBOARD_HTTP_PORT: '0',
      SWITCHBOARD_DB: dbPath,
      SWITCHBOARD_FORK_USERNAME: FORK_USER,
      SWITCHBOARD_FORK_PASSWORD: FORK_PASSWORD,
      SWITCHBOARD_FORK_TOKEN: FORK_TOKEN,
      SWITCHBOARD_VAD: 'webrtc',
      SWITCHBOARD_TELEPHONY: o.sip ? 'embedded' : 'none',
      ...(o.sip
        ? {
            SWITCHBOARD_SIP_HOST: '127.0.0.1',
            SWITCHBOARD_SIP_PORT: String(o.sip.port),
            SWITCHBOARD_SIP_TRANSPORTS: o.sip.transports ?? 'udp,tcp',
            SWITCHBOARD_RTP_PORTS: o.sip.rtpPorts,
            // Tests never rely on loopback being trusted: the sipp/RTP peers on loopback stand in for a
            // carrier and are trusted as one, by a trunk source (below).
            SWITCHBOARD_SIP_TRUST_LOOPBACK: 'false',
          }
        : {}),
      ...o.env,
    };
    const profiles = o.sip && !o.profiles?.trunks ? withLoopbackTrunk(o.profiles) : o.profiles;
    if (profiles) {
      const file = join(dir, 'profiles.yaml');
      writeFileSync(file, toYaml(profiles));
      env.SWITCHBOARD_PROFILES = file;
    }
    const config = loadConfig(env);
    const log = o.log ?? createLogger(config.env.LOG_LEVEL);
    const agent = await startAgent(config, {
      log,
      ...(o.conversation ? { conversation: o.conversation } : {}),
      ...(o.createCall ? { createCall: o.createCall } : {}),
      ...(o.callTimeouts ? { callTimeouts: o.callTimeouts } : {}),
    });
    let db: Database.Database | undefined;
    const read = (): Database.Database =>
      (db ??= new Database(dbPath, { readonly: true, fileMustExist: true }));
    const e2e: E2e = {
      agent,
      fakes,
      config,
      dir,
      dbPath,
      async call(opts) {
        const client = await ForkClient.connect({
          url: agent.forkUrl,
          username: FORK_USER,
          password: FORK_PASSWORD,
          ...opts,
        });
        clients.push(client);
        return client;
      },
      async getJson<T>(path: string) {
        const res = await fetch(new URL(path, agent.httpUrl), { signal: AbortSignal.timeout(5000) });
        return { status: res.status, body: (await res.json()) as T };
      },
      async getText(path: string) {
        const res = await fetch(new URL(path, agent.httpUrl), { signal: AbortSignal.timeout(5000) });
        return res.text();
      },
      storedCall: (callId) =>
        read().prepare('SELECT * FROM calls WHERE call_id = ?').get(callId) as StoredCall | undefined,
      storedTurns: (callId) =>
        read().prepare('SELECT * FROM turns WHERE call_id = ? ORDER BY idx').all(callId) as StoredTurn[],
      storedCalls: () => {
        try {
          return read().prepare('SELECT * FROM calls ORDER BY id').all() as StoredCall[];
        } catch {
          return []; // the store has not created the file yet
        }
      },
      async waitForEnd(callId, timeoutMs = 10_000) {
        const until = Date.now() + timeoutMs;
        for (;;) {
          const row = e2e.storedCall(callId);
          if (row?.end_reason) return row;
          if (Date.now() > until) throw new Error(`call ${callId} has no end reason after ${timeoutMs} ms`);
          await new Promise((r) => setTimeout(r, 50));
        }
      },
      async stop() {
        await Promise.allSettled(clients.map((c) => c.hangup()));
        await agent.stop();
        db?.close();
        await fakes.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
    return e2e;
  } catch (err) {
    await fakes.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** The profiles (default: the built-in ones) with loopback as the one trunk source. */
function withLoopbackTrunk(profiles: Record<string, unknown> | undefined): Record<string, unknown> {
  return {
    ...(profiles ?? DEFAULT_PROFILES),
    trunks: [{ name: 'loopback-test-peer', sources: ['127.0.0.1/32'] }],
  };
}

/** A profiles file with one profile routed from 7000, tools and transfer targets as given. */
export function e2eProfiles(p: {
  greeting?: string;
  tools?: unknown[];
  transferTargets?: { name: string; uri: string; description?: string }[];
  endpointingMs?: number;
}): Record<string, unknown> {
  return {
    defaultProfile: 'e2e',
    profiles: [
      {
        name: 'e2e',
        systemPrompt: 'You are the end-to-end test receptionist.',
        greeting: p.greeting ?? 'Hello, you are through to the test desk.',
        tools: p.tools ?? ['end_call', 'transfer_call', 'send_dtmf'],
        transferTargets: p.transferTargets ?? [],
        routes: ['7000'],
        stt: { endpointingMs: p.endpointingMs ?? 300 },
      },
    ],
  };
}

/** Bounded poll. */
export async function until(cond: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** RMS of 16-bit PCM. */
export function rmsOf(pcm: Int16Array): number {
  let sum = 0;
  for (const s of pcm) sum += s * s;
  return pcm.length ? Math.sqrt(sum / pcm.length) : 0;
}

/** The OpenAI fake's request messages as {role, content} (tool calls omitted). */
export function llmMessages(body: Record<string, unknown>): { role: string; content: string }[] {
  const msgs = (body['messages'] ?? []) as { role: string; content?: unknown }[];
  return msgs.map((m) => ({ role: m.role, content: typeof m.content === 'string' ? m.content : '' }));
}

export interface SseReader {
  /** Parsed `data:` JSON objects received so far. */
  events: Record<string, unknown>[];
  /** Resolves when the server ends the stream (or it is closed). */
  ended: Promise<void>;
  close(): void;
}

/** Open an SSE stream (GET) and collect its JSON messages; bounded by `timeoutMs`. */
export async function readSse(url: string, timeoutMs = 30_000): Promise<SseReader> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  const res = await fetch(url, { signal: abort.signal, headers: { accept: 'text/event-stream' } });
  if (!res.ok || !res.body) throw new Error(`SSE ${url}: HTTP ${res.status}`);
  const events: Record<string, unknown>[] = [];
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  const ended = (async () => {
    let buf = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buf += value;
        let cut: number;
        while ((cut = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, cut);
          buf = buf.slice(cut + 2);
          const data = block
            .split('\n')
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).trimStart())
            .join('\n');
          if (data) events.push(JSON.parse(data) as Record<string, unknown>);
        }
      }
    } catch {
      // aborted
    } finally {
      clearTimeout(timer);
    }
  })();
  return { events, ended, close: () => abort.abort() };
}

/**
 * Wait until the greeting (the first TTS context) was synthesised, all of it reached the fork client
 * and it played out, so caller speech after this is not a barge-in.
 */
export async function greetingPlayed(e: E2e, c: ForkClient, timeoutMs = 15_000): Promise<void> {
  await until(() => e.fakes.cartesia.contexts[0]?.done === true, timeoutMs, 'greeting synthesised');
  const ctx = e.fakes.cartesia.contexts[0]!;
  const samples = (ctx.samplesSent * c.callRate) / ctx.sampleRate;
  await c.waitFor(
    () => c.agentSamplesReceived >= samples && c.link.playout.bufferedSamples === 0,
    timeoutMs,
    'greeting played',
  );
}
