/**
 * Soak (issue 11): N sequential calls over the fork (500 by default; `--calls N` to lower it) with a
 * provider fault injected at random into most of them, against the agent as `npm start` runs it (a
 * child process, through main.ts) and the wire-faithful provider fakes in this process. Prints the
 * agent's RSS after the first 50 calls and at the end (after a GC), its open handles by kind (sockets,
 * timers…) at both points, the reply gaps per fault, and whether every call was recorded.
 *
 *   ip netns exec <ns> npx tsx agent/bench/soak.ts --calls 100 [--seed 7]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { startFakeProviders, type FakeProviders } from '../src/testing/fakes/fake-providers.js';
import type { DeepgramFakeConnection } from '../src/testing/fakes/deepgram-fake.js';
import { ForkClient } from '../src/testing/fork-client.js';
import { makeSpeech } from '../src/testing/speech-fixtures.js';
import { BENCH_DIR, spawnTsx, type Child } from './child.js';
import { percentile } from './stats.js';

const FAULTS = [
  'none',
  'llm_429',
  'llm_stall_first',
  'llm_500s',
  'tts_error',
  'tts_idle_close',
  'stt_drop',
] as const;
type Fault = (typeof FAULTS)[number];
const QUESTION = 'What are your hours?';
const TOKEN = 'soak-fork-token-0123456789abcdef';
const question = makeSpeech(QUESTION, 8000, 300);

interface Probe {
  resources: Record<string, number>;
  rssBytes: number;
  activeCalls: number;
}

/** mulberry32: the same faults for the same seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** Set the fakes up so that this call meets `fault`. */
function script(f: FakeProviders, fault: Fault): void {
  const answer = { text: 'We are open nine to five.' };
  const replies: Record<Fault, object[]> = {
    none: [answer],
    llm_429: [{ failure: { type: 'status', status: 429 } }, answer],
    llm_stall_first: [{ ...answer, failure: { type: 'stall', afterChunks: 0 } }, answer],
    llm_500s: [],
    tts_error: [answer],
    tts_idle_close: [answer],
    stt_drop: [answer],
  };
  f.openai.setScript({
    firstTokenMs: 50,
    replies: replies[fault] as never,
    fallback: fault === 'llm_500s' ? { failure: { type: 'status', status: 500 } } : answer,
  });
  // The dropped connection hears the start of the question; the new one hears it again (replayed).
  f.deepgram.setScript({ utterances: fault === 'stt_drop' ? [QUESTION, QUESTION] : [QUESTION] });
  const next = f.cartesia.contexts.length; // the greeting's context; the reply's is next + 1
  f.cartesia.script = {
    firstByteMs: 40,
    ...(fault === 'tts_error' ? { errorOnContext: { index: next + 1, status: 500 } } : {}),
    ...(fault === 'tts_idle_close' ? { closeIdleAfterMs: 300 } : {}),
  };
}

/** Waits until the agent has been silent for `quietMs` and the caller's playout drained. */
async function playedOut(c: ForkClient, quietMs: number, limitMs: number): Promise<void> {
  await c.waitFor(
    () => c.link.playout.bufferedSamples === 0 && c.clock.now() - (c.heard.at(-1)?.at ?? 0) > quietMs,
    limitMs,
    'agent audio played out',
  );
}

/** One call: greeting, one question (with the fault), the answer or apology, hang up. Returns the gap. */
async function oneCall(f: FakeProviders, forkUrl: string, callId: string, fault: Fault): Promise<number> {
  script(f, fault);
  const c = await ForkClient.connect({ url: forkUrl, token: TOKEN, callId, to: '7000' });
  try {
    await c.waitFor(() => c.heardMs() > 0, 10_000, 'greeting');
    await playedOut(c, 300, 10_000);
    if (fault === 'tts_idle_close') await sleep(450); // the vendor drops the idle socket
    const dgBefore = f.deepgram.connections.length;
    const playing = c.play(question.pcm, { sampleRate: 8000, trailingSilenceMs: 200 });
    if (fault === 'stt_drop') {
      const dg = f.deepgram.connections[dgBefore - 1]!;
      await until(() => dg.sent.some((m) => m.type === 'Results'), 10_000, 'first interim');
      (dg as DeepgramFakeConnection & { terminate(): void }).terminate();
    }
    await playing;
    // play() resolves when the last frame (padding and tail included) was sent: back to the last voice.
    const speechEnd = c.clock.now() - 200 - ((question.pcm.length / 8000) * 1000 - question.speechEndMs);
    await c.waitFor(() => c.heard.some((x) => x.at > speechEnd), 15_000, 'a reply');
    const gap = c.heard.find((x) => x.at > speechEnd)!.at - speechEnd;
    await playedOut(c, 400, 15_000);
    return gap;
  } finally {
    await c.hangup('caller_hangup');
  }
}

function probe(agent: Child<unknown>): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('agent did not answer the probe')), 10_000);
    let buf = '';
    const onData = (d: string) => {
      buf += d;
      const line = buf.split('\n').find((l) => l.startsWith('{"resources"'));
      if (!line) return;
      clearTimeout(timer);
      agent.process.stdout!.off('data', onData);
      resolve(JSON.parse(line) as Probe);
    };
    agent.process.stdout!.on('data', onData);
    agent.process.stdin!.write('resources\n');
  });
}

const fmt = (p: Probe) =>
  Object.entries(p.resources)
    .sort()
    .map(([k, n]) => `${k}=${n}`)
    .join(' ');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { calls: { type: 'string', default: '500' }, seed: { type: 'string', default: '11' } },
  });
  const calls = Number(values.calls);
  const warmup = Math.min(50, Math.floor(calls / 2));
  const rand = random(Number(values.seed));
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-soak-'));
  const db = join(dir, 'soak.sqlite');
  const profiles = join(dir, 'profiles.yaml');
  writeFileSync(
    profiles,
    [
      'defaultProfile: soak',
      'profiles:',
      '  - name: soak',
      '    systemPrompt: You are the soak test desk.',
      '    greeting: Hi.',
      '    routes: ["7000"]',
      '',
    ].join('\n'),
  );
  const fakes = await startFakeProviders({});
  const agent = await spawnTsx<{ httpUrl: string }>(join(BENCH_DIR, 'agent-process.ts'), [], {
    ...process.env,
    ...fakes.env,
    LOG_LEVEL: process.env.SOAK_LOG_LEVEL ?? 'error',
    SWITCHBOARD_HTTP_HOST: '127.0.0.1',
    SWITCHBOARD_HTTP_PORT: '0',
    SWITCHBOARD_DB: db,
    SWITCHBOARD_PROFILES: profiles,
    SWITCHBOARD_TELEPHONY: 'none',
    SWITCHBOARD_FORK_TOKEN: TOKEN,
    SWITCHBOARD_VAD: 'webrtc',
  });
  const forkUrl = `${agent.ready.httpUrl.replace(/^http/, 'ws').replace(/\/$/, '')}/fork`;
  const gaps = new Map<Fault, number[]>(FAULTS.map((f) => [f, []]));
  const failed: string[] = [];
  let after50: Probe | undefined;
  const started = Date.now();
  try {
    for (let i = 0; i < calls; i++) {
      // Half the calls meet a fault, spread over the kinds.
      const fault: Fault = rand() < 0.5 ? 'none' : FAULTS[1 + Math.floor(rand() * (FAULTS.length - 1))]!;
      try {
        gaps.get(fault)!.push(await oneCall(fakes, forkUrl, `soak-${i}`, fault));
      } catch (err) {
        failed.push(`soak-${i} (${fault}): ${(err as Error).message}`);
      }
      if (i + 1 === warmup) {
        await sleep(1000);
        after50 = await probe(agent);
      }
      if ((i + 1) % 25 === 0) console.error(`${i + 1}/${calls} calls, ${failed.length} failed`);
    }
    await sleep(1000);
    const end = await probe(agent);
    const reader = new Database(db, { readonly: true });
    const rows = reader
      .prepare(
        "SELECT COUNT(*) AS n, SUM(end_reason IS NOT NULL) AS ended FROM calls WHERE call_id LIKE 'soak-%'",
      )
      .get() as { n: number; ended: number };
    const turns = reader.prepare('SELECT COUNT(*) AS n FROM turns').get() as { n: number };
    reader.close();
    const all = [...gaps.values()].flat();
    console.log(
      `soak: ${calls} sequential calls in ${((Date.now() - started) / 60_000).toFixed(1)} min, seed ${values.seed}`,
    );
    console.log(`calls failed (no reply heard, or an error): ${failed.length}`);
    for (const f of failed.slice(0, 10)) console.log(`  ${f}`);
    console.log('reply gap (end of caller speech → first answer or apology audio heard), ms:');
    for (const [fault, g] of gaps) {
      if (g.length === 0) continue;
      const over = g.filter((x) => x > 2500).length;
      console.log(
        `  ${fault.padEnd(16)} n=${String(g.length).padStart(4)}  p50=${percentile(g, 50).toFixed(0)}  p95=${percentile(g, 95).toFixed(0)}  max=${Math.max(...g).toFixed(0)}  >2500ms: ${over}`,
      );
    }
    console.log(`  all              n=${all.length}  p95=${percentile(all, 95).toFixed(0)}`);
    if (after50) {
      const growth = ((end.rssBytes - after50.rssBytes) / after50.rssBytes) * 100;
      console.log(
        `agent RSS after ${warmup} calls ${(after50.rssBytes / 2 ** 20).toFixed(1)} MiB, after ${calls}: ${(end.rssBytes / 2 ** 20).toFixed(1)} MiB (${growth >= 0 ? '+' : ''}${growth.toFixed(1)} %)`,
      );
      console.log(
        `agent handles after ${warmup} calls: ${fmt(after50)}; active calls ${after50.activeCalls}`,
      );
    }
    console.log(`agent handles after ${calls} calls: ${fmt(end)}; active calls ${end.activeCalls}`);
    console.log(`recorded: ${rows.n} calls of ${calls}, ${rows.ended} with an end reason; ${turns.n} turns`);
  } finally {
    await agent.stop();
    await fakes.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
