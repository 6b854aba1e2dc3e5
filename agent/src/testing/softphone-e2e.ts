/**
 * TEST-ONLY harness for the softphone end-to-end tests (agent/test/e2e-softphone): the whole agent
 * (startAgent via the e2e harness, embedded gateway with SIP over ws://, a registrar with softphone
 * users) and Debian's Chromium loading the real web softphone from the agent's /phone, all inside a
 * network namespace that has only `lo`.
 *
 * From the host, a test file calls `runFileInLoopbackNetns(itself)`: a fresh namespace is made, the
 * file runs again there under `ip netns exec` (SB_IN_NETNS=1), and afterwards every process left in the
 * namespace is killed by pid and the namespace is deleted, whatever happened.
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { concatPcm } from '../audio/pcm.js';
import { encodeWav } from '../audio/wav.js';
import { e2eProfiles, startE2e, type E2e } from './e2e-harness.js';
import type { FakeProvidersScript } from './fakes/fake-providers.js';
import { makeSpeech } from './speech-fixtures.js';

export const IN_NETNS = process.env.SB_IN_NETNS === '1';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const SOFTPHONE = join(REPO, 'softphone');

export interface NetnsRun {
  status: number | null;
  output: string;
  timedOut: boolean;
}

function ip(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('ip', args, { encoding: 'utf8', timeout: 10_000 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Kill (by pid) whatever still runs inside the namespace, e.g. a Chromium a crashed test left behind. */
function killNetnsProcesses(name: string): void {
  const pids = ip('netns', 'pids', name)
    .stdout.split(/\s+/)
    .map(Number)
    .filter((p) => Number.isInteger(p) && p > 1 && p !== process.pid);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/**
 * Run `file` with vitest inside a new loopback-only namespace. Bounded by `timeoutMs`: on expiry the
 * child's process group is killed. The namespace's processes are killed and the namespace deleted in
 * every case.
 */
export async function runFileInLoopbackNetns(file: string, timeoutMs: number): Promise<NetnsRun> {
  const name = `sbe2e-${process.pid}-${Date.now().toString(36)}`;
  const add = ip('netns', 'add', name);
  if (add.status !== 0)
    return { status: add.status, output: `ip netns add failed: ${add.stderr}`, timedOut: false };
  try {
    ip('netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up');
    return await new Promise<NetnsRun>((resolve) => {
      const child = spawn('ip', ['netns', 'exec', name, 'npx', 'vitest', 'run', file], {
        cwd: REPO,
        env: { ...process.env, SB_IN_NETNS: '1', NO_COLOR: '1', FORCE_COLOR: '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      let output = '';
      let timedOut = false;
      child.stdout.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr.on('data', (c: Buffer) => (output += c.toString()));
      const timer = setTimeout(() => {
        timedOut = true;
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // exited meanwhile
        }
      }, timeoutMs);
      child.on('close', (status) => {
        clearTimeout(timer);
        resolve({ status, output, timedOut });
      });
    });
  } finally {
    killNetnsProcesses(name);
    ip('netns', 'del', name);
  }
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (!entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** `npm run build -w softphone` when softphone/dist is missing or older than the renderer sources. */
export async function ensureSoftphoneBuilt(timeoutMs = 120_000): Promise<'built' | 'fresh'> {
  const index = join(SOFTPHONE, 'dist', 'index.html');
  const sources = Math.max(
    newestMtime(join(SOFTPHONE, 'src')),
    statSync(join(SOFTPHONE, 'index.html')).mtimeMs,
  );
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return 'fresh';
  await new Promise<void>((resolve, reject) => {
    execFile(
      'npm',
      ['run', 'build', '-w', 'softphone'],
      { cwd: REPO, timeout: timeoutMs },
      (err, _o, stderr) => (err ? reject(new Error(`softphone build failed: ${stderr}`)) : resolve()),
    );
  });
  return 'built';
}

/**
 * The fake microphone: espeak-ng `text` at 48 kHz mono 16-bit, with `leadMs` of silence before it and
 * `trailMs` after (Chromium loops the file, so this is one period of talking and listening).
 */
export function writeMicrophoneWav(
  path: string,
  text: string,
  leadMs: number,
  trailMs: number,
): { speechMs: number; periodMs: number } {
  const rate = 48_000;
  const speech = makeSpeech(text, rate, 0);
  const silence = (ms: number) => new Int16Array((rate * ms) / 1000);
  const samples = concatPcm([silence(leadMs), speech.pcm, silence(trailMs)]);
  writeFileSync(path, encodeWav({ sampleRate: rate, samples }));
  const speechMs = (speech.pcm.length * 1000) / rate;
  return { speechMs, periodMs: leadMs + speechMs + trailMs };
}

export interface SoftphoneUserSpec {
  username: string;
  password: string;
}

export interface SoftphoneAgentOptions {
  httpPort: number;
  sipWsPort: number;
  sipUdpPort: number;
  rtpPorts: string;
  users: SoftphoneUserSpec[];
  script: FakeProvidersScript;
  greeting?: string;
  endpointingMs?: number;
}

export interface SoftphoneAgent {
  e2e: E2e;
  httpUrl: string;
  phoneUrl: string;
  wsUrl: string;
  stop(): Promise<void>;
}

/**
 * The agent as `startAgent(loadConfig(env))` runs it: profiles YAML with the default agent on 7000 and
 * the softphone users, SIP on udp,tcp,ws, RTP in the given range, providers pointed at the fakes.
 */
export async function startSoftphoneAgent(o: SoftphoneAgentOptions): Promise<SoftphoneAgent> {
  const profiles = {
    ...e2eProfiles({ greeting: o.greeting ?? 'Hello.', endpointingMs: o.endpointingMs ?? 300 }),
    users: o.users,
  };
  const e2e = await startE2e({
    script: o.script,
    profiles,
    sip: { port: o.sipUdpPort, rtpPorts: o.rtpPorts, transports: 'udp,tcp,ws' },
    env: {
      SWITCHBOARD_HTTP_PORT: String(o.httpPort),
      SWITCHBOARD_SIP_WS_PORT: String(o.sipWsPort),
    },
  });
  const httpUrl = `http://127.0.0.1:${o.httpPort}`;
  return {
    e2e,
    httpUrl,
    phoneUrl: `${httpUrl}/phone/`,
    wsUrl: `ws://127.0.0.1:${o.sipWsPort}`,
    stop: () => e2e.stop(),
  };
}

/** Bounded poll for a value (undefined = not yet). */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  everyMs = 100,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
