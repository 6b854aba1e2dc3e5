/**
 * The agent as the benchmark runs it: the fake providers in one child process, the agent (embedded
 * gateway, SIP on 127.0.0.1:25060, RTP 24000–24999) in another, so the agent's CPU and RSS are its own.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_DIR, REPO_ROOT, spawnTsx, type Child } from './child.js';
import { sampleProcess } from './machine.js';
import { PORTS, type Plan } from './plan.js';
import type { ProviderLatencies } from './results-types.js';

export interface AgentUnderTest {
  pid: number;
  sip: { host: string; port: number };
  user: string;
  httpUrl: string;
  /** ws://…/fork?token=… on the agent's HTTP port. */
  forkUrl: string;
  /** The VAD's onset window (speech must last this long before speech_start). */
  vadOnsetMs: number | undefined;
  /** The fake providers' process. */
  fakesPid: number;
  /** Agent RSS once started, before any call. */
  idleRssBytes: number | undefined;
  notes: string[];
  stop(): Promise<void>;
}

const NEEDED = ['agent/src/main.ts', 'agent/src/testing/fakes/fake-providers.ts'];
const EXTENSION = '7000';
/** WebRTC VAD (fvad) defaults in src/conversation/vad/webrtc-vad.ts; the bench runs that VAD. */
const WEBRTC_VAD_ONSET_MS = 60;

/** Why the agent cannot be benchmarked yet (a missing piece), or undefined. */
export function agentUnavailableReason(): string | undefined {
  const missing = NEEDED.filter((p) => !existsSync(join(REPO_ROOT, p)));
  return missing.length ? `missing ${missing.join(', ')}` : undefined;
}

function profileYaml(l: ProviderLatencies): string {
  return [
    'defaultProfile: bench',
    'profiles:',
    '  - name: bench',
    '    systemPrompt: You are the benchmark receptionist. Answer in one short sentence.',
    '    greeting: Hello there.',
    '    tools: []',
    `    routes: ['${EXTENSION}']`,
    '    stt:',
    `      endpointingMs: ${l.endpointingMs}`,
    '',
  ].join('\n');
}

export type Telephony = 'embedded' | 'drachtio';

const DRACHTIO_SECRET = 'bench-drachtio-secret';
const ESL_SECRET = 'bench-esl-password';

interface DrachtioStackReady {
  pid: number;
  drachtio: { host: string; adminPort: number; sipPort: number };
  freeswitch: { address: string; eslPort: number };
}

/** The production path's servers (fakes) in their own process, and the agent variables that use them. */
async function startDrachtioStack(): Promise<{ child: Child<DrachtioStackReady>; env: NodeJS.ProcessEnv }> {
  const child = await spawnTsx<DrachtioStackReady>(join(BENCH_DIR, 'drachtio-stack-process.ts'), [], {
    ...process.env,
    BENCH_DRACHTIO: JSON.stringify({
      secret: DRACHTIO_SECRET,
      eslSecret: ESL_SECRET,
      sipPort: PORTS.drachtio.sip,
      adminPort: PORTS.drachtio.admin,
      eslPort: PORTS.drachtio.esl,
      rtp: PORTS.drachtio.rtp,
    }),
  });
  const r = child.ready;
  return {
    child,
    env: {
      SWITCHBOARD_TELEPHONY: 'drachtio',
      DRACHTIO_HOST: r.drachtio.host,
      DRACHTIO_PORT: String(r.drachtio.adminPort),
      DRACHTIO_SECRET,
      FREESWITCH: `${r.freeswitch.address}:${r.freeswitch.eslPort}:${ESL_SECRET}`,
      SWITCHBOARD_ESL_LISTEN_ADDRESS: '127.0.0.1',
    },
  };
}

/** The drachtio path connects to drachtio and FreeSWITCH after start-up: wait for /readyz (bounded). */
async function untilReady(httpUrl: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  let detail = '';
  while (Date.now() < end) {
    const res = await fetch(new URL('/readyz', httpUrl)).catch(() => undefined);
    const body = (await res?.json().catch(() => undefined)) as
      { checks?: { telephony?: { ok: boolean; detail: string } } } | undefined;
    if (body?.checks?.telephony?.ok) return;
    detail = body?.checks?.telephony?.detail ?? 'no answer';
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`agent telephony not ready after ${timeoutMs} ms: ${detail}`);
}

export async function startAgentUnderTest(
  latencies: ProviderLatencies,
  _plan: Plan,
  telephony: Telephony = 'embedded',
): Promise<AgentUnderTest> {
  const host = '127.0.0.1';
  const fakes = await spawnTsx<{ pid: number; env: Record<string, string> }>(
    join(BENCH_DIR, 'fakes-process.ts'),
    [],
    {
      ...process.env,
      BENCH_FAKES: JSON.stringify({ ...latencies, host, ports: PORTS.fakes }),
    },
  );
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-bench-agent-'));
  const profiles = join(dir, 'profiles.yaml');
  writeFileSync(profiles, profileYaml(latencies));
  const token = `bench-${Date.now()}-fork-token-0000`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...fakes.ready.env,
    LOG_LEVEL: process.env.BENCH_AGENT_LOG_LEVEL ?? 'warn',
    SWITCHBOARD_HTTP_HOST: host,
    SWITCHBOARD_HTTP_PORT: String(PORTS.agentHttp),
    SWITCHBOARD_PROFILES: profiles,
    SWITCHBOARD_DB: join(dir, 'bench.sqlite'),
    SWITCHBOARD_FORK_TOKEN: token,
    SWITCHBOARD_TELEPHONY: 'embedded',
    SWITCHBOARD_SIP_HOST: host,
    SWITCHBOARD_SIP_PORT: String(PORTS.agentSip),
    SWITCHBOARD_SIP_TRANSPORTS: 'udp',
    SWITCHBOARD_RTP_PORTS: `${PORTS.agentRtp.min}-${PORTS.agentRtp.max}`,
    SWITCHBOARD_VAD: 'webrtc',
  };
  let stack: Awaited<ReturnType<typeof startDrachtioStack>> | undefined;
  let agent;
  try {
    if (telephony === 'drachtio') {
      stack = await startDrachtioStack();
      Object.assign(env, stack.env);
    }
    agent = await spawnTsx<{ pid: number; httpUrl: string; sip: { host: string; port: number } }>(
      join(BENCH_DIR, 'agent-process.ts'),
      [],
      env,
      60_000,
    );
  } catch (err) {
    await stack?.child.stop();
    await fakes.stop();
    throw err;
  }
  if (stack) await untilReady(agent.ready.httpUrl);
  const httpUrl = new URL(agent.ready.httpUrl);
  const idle = sampleProcess(agent.pid);
  return {
    pid: agent.pid,
    sip: stack
      ? { host: stack.child.ready.drachtio.host, port: stack.child.ready.drachtio.sipPort }
      : agent.ready.sip,
    user: EXTENSION,
    httpUrl: agent.ready.httpUrl,
    forkUrl: `ws://${httpUrl.host}/fork?token=${token}`,
    vadOnsetMs: WEBRTC_VAD_ONSET_MS,
    idleRssBytes: idle?.rssBytes,
    fakesPid: fakes.pid,
    notes: [
      'Agent and provider fakes ran as separate processes; CPU % and RSS are the agent process alone.',
      ...(stack
        ? [
            'Telephony: the drachtio path (real drachtio-srf + drachtio-fsmrf in the agent) against a fake ' +
              'drachtio-server and a fake FreeSWITCH in a third process. The fakes are not the real servers: ' +
              'figures show the agent and its libraries, not drachtio-server or FreeSWITCH.',
          ]
        : []),
    ],
    async stop() {
      await agent.stop();
      await stack?.child.stop();
      await fakes.stop();
    },
  };
}
