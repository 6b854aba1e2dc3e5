/**
 * One benchmark lane: the provider fakes in this process (so each call can script them) and the
 * agent in a child process, exactly as `npm start` runs it, with one profile per end-of-turn mode
 * routed by extension. The agent may come from another checkout (`root`) to measure an old build.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeProviders, type FakeProviders } from '../../src/testing/fakes/fake-providers.js';
import { spawnTsx, type Child } from '../child.js';
import type { CallTarget } from './call.js';

export type Mode = 'silence' | 'transcript' | 'audio_model' | 'flux';

export const MODE_EXTENSIONS: Record<Mode, string> = {
  silence: '7101',
  transcript: '7102',
  audio_model: '7103',
  flux: '7104',
};

/** The old behaviour: STT endpointing 300 ms (speech_final) or 500 ms of VAD silence ends a turn. */
const TURN_SETTINGS: Record<Mode, string> = {
  silence: '{ detector: silence, minEndpointingDelayMs: 500, preemptiveGeneration: false }',
  transcript: '{ detector: transcript }',
  audio_model: '{ detector: audio_model }',
  flux: '{ detector: flux }',
};

export interface LaneOptions {
  index: number;
  modes: Mode[];
  /** Repository root the agent runs from. */
  root: string;
  turnModel: string | undefined;
  latencies: CallTarget['latencies'];
}

export interface Lane {
  target(mode: Mode): CallTarget;
  stop(): Promise<void>;
}

function profilesYaml(modes: Mode[]): string {
  const lines = ['profiles:'];
  for (const m of modes) {
    lines.push(
      `  - name: tt-${m.replace('_', '-')}`,
      '    systemPrompt: You are the benchmark receptionist.',
      '    greeting: Hi.',
      '    tools: []',
      `    routes: ['${MODE_EXTENSIONS[m]}']`,
      '    stt: { endpointingMs: 300 }',
      `    turn: ${TURN_SETTINGS[m]}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export async function startLane(o: LaneOptions): Promise<Lane> {
  const fakes: FakeProviders = await startFakeProviders({}, { host: '127.0.0.1' });
  const dir = mkdtempSync(join(tmpdir(), `switchboard-tt-lane${o.index}-`));
  writeFileSync(join(dir, 'profiles.yaml'), profilesYaml(o.modes));
  const token = `tt-lane-${o.index}-${Date.now()}-fork-token`;
  let agent: Child<{ httpUrl: string }>;
  try {
    agent = await spawnTsx<{ httpUrl: string }>(
      join(o.root, 'agent/bench/agent-process.ts'),
      [],
      {
        ...process.env,
        ...fakes.env,
        LOG_LEVEL: process.env.BENCH_AGENT_LOG_LEVEL ?? 'warn',
        SWITCHBOARD_HTTP_HOST: '127.0.0.1',
        SWITCHBOARD_HTTP_PORT: '0',
        SWITCHBOARD_PROFILES: join(dir, 'profiles.yaml'),
        SWITCHBOARD_DB: join(dir, 'calls.sqlite'),
        SWITCHBOARD_FORK_TOKEN: token,
        SWITCHBOARD_TELEPHONY: 'none',
        SWITCHBOARD_VAD: 'webrtc',
        ...(o.turnModel ? { SWITCHBOARD_TURN_MODEL: o.turnModel } : {}),
      },
      60_000,
      o.root,
    );
  } catch (err) {
    await fakes.close();
    throw err;
  }
  const http = new URL(agent.ready.httpUrl);
  return {
    target: (mode) => ({
      forkUrl: `ws://${http.host}/fork?token=${token}`,
      httpUrl: agent.ready.httpUrl.replace(/\/$/, ''),
      extension: MODE_EXTENSIONS[mode],
      mode,
      deepgram: fakes.deepgram,
      openai: fakes.openai,
      latencies: o.latencies,
    }),
    async stop() {
      await agent.stop();
      await fakes.close();
    },
  };
}
