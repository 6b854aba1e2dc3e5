/**
 * The agent as the benchmark runs it: the fake providers in one child process, the agent (embedded
 * gateway, SIP on 127.0.0.1:25060, RTP 24000–24999) in another, so the agent's CPU and RSS are its own.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_DIR, REPO_ROOT, spawnTsx } from './child.js';
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

export async function startAgentUnderTest(
  latencies: ProviderLatencies,
  _plan: Plan,
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
  let agent;
  try {
    agent = await spawnTsx<{ pid: number; httpUrl: string; sip: { host: string; port: number } }>(
      join(BENCH_DIR, 'agent-process.ts'),
      [],
      env,
      60_000,
    );
  } catch (err) {
    await fakes.stop();
    throw err;
  }
  const httpUrl = new URL(agent.ready.httpUrl);
  const idle = sampleProcess(agent.pid);
  return {
    pid: agent.pid,
    sip: agent.ready.sip,
    user: EXTENSION,
    httpUrl: agent.ready.httpUrl,
    forkUrl: `ws://${httpUrl.host}/fork?token=${token}`,
    vadOnsetMs: WEBRTC_VAD_ONSET_MS,
    idleRssBytes: idle?.rssBytes,
    fakesPid: fakes.pid,
    notes: ['Agent and provider fakes ran as separate processes; CPU % and RSS are the agent process alone.'],
    async stop() {
      await agent.stop();
      await fakes.stop();
    },
  };
}
