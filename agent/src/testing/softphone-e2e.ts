/**
 * TEST-ONLY harness for the softphone end-to-end tests (agent/test/e2e-softphone): the whole agent
 * (startAgent via the e2e harness, embedded gateway with SIP over ws://, a registrar with softphone
 * users), the web softphone build it serves at /phone, and the fake microphone. The tests run it all
 * inside a loopback-only network namespace (./loopback-netns.js) together with Chromium.
 */
import { execFile } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { concatPcm } from '../audio/pcm.js';
import { encodeWav } from '../audio/wav.js';
import { e2eProfiles, startE2e, type E2e } from './e2e-harness.js';
import type { FakeProvidersScript } from './fakes/fake-providers.js';
import { makeSpeech } from './speech-fixtures.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const SOFTPHONE = join(REPO, 'softphone');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (!entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

function softphoneDistFresh(): boolean {
  const index = join(SOFTPHONE, 'dist', 'index.html');
  const sources = Math.max(
    newestMtime(join(SOFTPHONE, 'src')),
    statSync(join(SOFTPHONE, 'index.html')).mtimeMs,
  );
  return existsSync(index) && statSync(index).mtimeMs >= sources;
}

/** Exclusive across test processes (two files may want a build at once); a lock older than 5 min is stale. */
async function withBuildLock<T>(fn: () => Promise<T>, timeoutMs: number): Promise<T> {
  const lock = join(tmpdir(), 'switchboard-softphone-build.lock');
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      closeSync(openSync(lock, 'wx'));
      break;
    } catch {
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 300_000) rmSync(lock, { force: true });
      else if (Date.now() > end) throw new Error(`softphone build lock ${lock} held too long`);
      else await sleep(200);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

/** `npm run build -w softphone` when softphone/dist is missing or older than the renderer sources. */
export async function ensureSoftphoneBuilt(timeoutMs = 120_000): Promise<'built' | 'fresh'> {
  if (softphoneDistFresh()) return 'fresh';
  return withBuildLock(async () => {
    if (softphoneDistFresh()) return 'fresh';
    await new Promise<void>((resolve, reject) => {
      execFile(
        'npm',
        ['run', 'build', '-w', 'softphone'],
        { cwd: REPO, timeout: timeoutMs },
        (err, _o, stderr) => (err ? reject(new Error(`softphone build failed: ${stderr}`)) : resolve()),
      );
    });
    return 'built';
  }, timeoutMs + 30_000);
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
  /** SWITCHBOARD_API_TOKEN: the calls API and live events then need it. */
  apiToken?: string;
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
      ...(o.apiToken ? { SWITCHBOARD_API_TOKEN: o.apiToken } : {}),
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
