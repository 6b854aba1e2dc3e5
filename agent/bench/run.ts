/**
 * `npm run bench [-- --quick]`: the Switchboard benchmark over real SIP and RTP.
 * Phases: (d) the Node echo floor, (a) sequential turns, (b) call setup + sipp calls/s,
 * (c) density, (e) the fork path alone. Writes agent/bench/results/latest.{json,md} and a PNG.
 * `npm run bench -- --turn-taking` runs the turn-taking benchmark instead (turn-taking/).
 * `npm run bench -- --answer-detection` runs outbound answer classification on the generated set instead
 * (answer-detection/; `--amd-stt-ms` sets the transcript stand-in's delay, `--match` picks recordings).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  agentUnavailableReason,
  startAgentUnderTest,
  type AgentUnderTest,
  type ForkLinkMode,
  type Telephony,
} from './agent-under-test.js';
import { agentTurnTimings } from './agent-timings.js';
import { BENCH_DIR, spawnTsx, type Child } from './child.js';
import { loadFixtures, toolVersions } from './fixtures.js';
import { runForkBench } from './fork-bench.js';
import { runStep, type BenchContext, type StepResult, type Target } from './load-step.js';
import { machineInfo, raisePriority } from './machine.js';
import { runDensity } from './density.js';
import { PLANS, PORTS, type Plan } from './plan.js';
import { writeResults } from './report.js';
import type {
  BenchResults,
  ProviderLatencies,
  SetupOfTarget,
  SetupResult,
  TurnsResult,
} from './results-types.js';
import { PortPool } from './rtp-endpoint.js';
import { BenchCall } from './rtp-caller.js';
import { SipUac } from './sip-uac.js';
import { agentCallsStarted } from './agent-calls.js';
import { startStaticKamailio } from './kamailio-static.js';
import { runSippRate, sustained } from './sipp.js';
import { roundSummary, summarize } from './stats.js';
import { Ticker } from './ticker.js';
import type { Mode } from './turn-taking/lane.js';
import { rerenderTurnTaking, runTurnTaking } from './turn-taking/run-turn-taking.js';
import { runAnswerDetection } from './answer-detection/run-answer-detection.js';

const { values: argv } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    out: { type: 'string', default: join(BENCH_DIR, 'results') },
    'stt-ms': { type: 'string', default: '150' },
    'llm-ms': { type: 'string', default: '300' },
    'tts-ms': { type: 'string', default: '90' },
    'endpointing-ms': { type: 'string', default: '300' },
    /** embedded (default) or drachtio: the production path against fake drachtio-server and FreeSWITCH. */
    telephony: { type: 'string', default: 'embedded' },
    /** embedded only: how the gateway hands calls to the agent (in-process, the default, or websocket). */
    fork: { type: 'string', default: 'in-process' },
    /** short-first (default: replies open with a one-word sentence) or natural (see fakes-process.ts). */
    replies: { type: 'string', default: 'short-first' },
    'turn-taking': { type: 'boolean', default: false },
    modes: { type: 'string', default: 'silence,transcript,audio_model,flux' },
    lanes: { type: 'string', default: '2' },
    calls: { type: 'string' },
    match: { type: 'string' },
    'turn-model': { type: 'string' },
    'agent-root': { type: 'string' },
    label: { type: 'string', default: 'this build' },
    'flux-eot-ms': { type: 'string', default: '260' },
    rerender: { type: 'string' },
    'answer-detection': { type: 'boolean', default: false },
    'amd-stt-ms': { type: 'string', default: '300' },
  },
});

const plan: Plan = argv.quick ? PLANS.quick : PLANS.full;
if (argv.telephony !== 'embedded' && argv.telephony !== 'drachtio')
  throw new Error(`--telephony must be embedded or drachtio, not ${argv.telephony}`);
const telephony: Telephony = argv.telephony;
if (argv.fork !== 'in-process' && argv.fork !== 'websocket')
  throw new Error(`--fork must be in-process or websocket, not ${argv.fork}`);
const forkLink: ForkLinkMode = argv.fork;
const phases = new Set((argv.only ?? 'floor,turns,setup,density,fork').split(','));
const latencies: ProviderLatencies = {
  sttFinalMs: Number(argv['stt-ms']),
  llmFirstTokenMs: Number(argv['llm-ms']),
  ttsFirstByteMs: Number(argv['tts-ms']),
  endpointingMs: Number(argv['endpointing-ms']),
};
const injected =
  latencies.endpointingMs + latencies.sttFinalMs + latencies.llmFirstTokenMs + latencies.ttsFirstByteMs;

function log(msg: string): void {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);
}

function sippVersion(): string {
  try {
    return /SIPp v[\d.]+/.exec(execFileSync('sipp', ['-v'], { encoding: 'utf8' }))?.[0] ?? 'unknown';
  } catch (err) {
    return /SIPp v[\d.]+/.exec(String((err as { stdout?: string }).stdout ?? ''))?.[0] ?? 'unknown';
  }
}

async function floorPhase(ctx: BenchContext): Promise<StepResult[]> {
  const child: Child<{ pid: number }> = await spawnTsx(
    join(BENCH_DIR, 'echo-floor.ts'),
    ['127.0.0.1', String(PORTS.floorSip), String(PORTS.floorRtp)],
    process.env,
  );
  const target: Target = {
    name: 'floor',
    sip: { host: '127.0.0.1', port: PORTS.floorSip },
    user: 'echo',
    pid: child.pid,
    expectGreeting: false,
  };
  const steps: StepResult[] = [];
  try {
    // Warm-up (not recorded): JIT-compiles the caller's hot paths before anything is measured.
    await runStep(ctx, target, { calls: 5, rampMs: 500, script: { turns: 1, quietMs: 200 } });
    for (const calls of plan.floorSteps) {
      const { result: s } = await runStep(ctx, target, {
        calls,
        rampMs: plan.rampMs,
        script: { turns: plan.densityTurns, quietMs: 200 },
      });
      log(
        `floor ${calls} calls: v2v p95 ${s.voiceToVoiceMs.p95} ms, pacing p99 ${s.pacingErrorMs.p99} ms, lost ${s.packetsLost}`,
      );
      steps.push(s);
    }
  } finally {
    await child.stop();
  }
  return steps;
}

function agentTarget(agent: AgentUnderTest): Target {
  return { name: 'agent', sip: agent.sip, user: agent.user, pid: agent.pid, expectGreeting: true };
}

async function turnsPhase(ctx: BenchContext, agent: AgentUnderTest): Promise<TurnsResult> {
  const since = new Date(Date.now() - 1000);
  const v2v: number[] = [];
  const barge: number[] = [];
  const failures: string[] = [];
  let missed = 0;
  let cpu = 0;
  for (let c = 0; c < plan.turnCalls; c++) {
    const { result: s, raw } = await runStep(ctx, agentTarget(agent), {
      calls: 1,
      rampMs: 0,
      script: { turns: plan.turnsPerCall, bargeEvery: plan.bargeEvery, ...plan.agentScript },
      firstSentence: c,
    });
    failures.push(...s.failures);
    cpu += s.cpuPercent / plan.turnCalls;
    v2v.push(...raw.voiceToVoiceMs);
    barge.push(...raw.bargeInMs);
    missed += s.bargeMissed;
    log(
      `turns call ${c + 1}/${plan.turnCalls}: v2v p50 ${s.voiceToVoiceMs.p50} ms, barge-in ${s.bargeInMs.p50} ms`,
    );
  }
  return {
    calls: plan.turnCalls,
    turns: v2v.length,
    voiceToVoiceMs: roundSummary(summarize(v2v)),
    agentShareMs: roundSummary(summarize(v2v.map((v) => v - injected))),
    bargeInMs: roundSummary(summarize(barge)),
    bargeMissed: missed,
    failures,
    agentCpuPercent: Math.round(cpu * 10) / 10,
    agentTimings: await agentTurnTimings(agent.httpUrl, since).catch((err: unknown) => {
      failures.push(`agent timings unavailable: ${(err as Error).message}`);
      return undefined;
    }),
  };
}

/** Sequential INVITE → 200 OK and BYE → 200 OK, then sipp's rate steps until one is not held. */
async function setupOf(
  ctx: BenchContext,
  target: Target['sip'],
  user: string,
  /** Calls the agent's conversation engine has started so far (absent for the reference server). */
  started?: () => Promise<number>,
): Promise<SetupOfTarget> {
  const ticker = new Ticker();
  const setup: number[] = [];
  const bye: number[] = [];
  const failures: string[] = [];
  for (let i = 0; i < plan.setupCalls; i++) {
    try {
      const call = await BenchCall.dial({ uac: ctx.uac, ticker, ports: ctx.ports, target, user });
      setup.push(call.setupMs);
      await call.wait(plan.setupHoldMs);
      await call.hangup();
      if (call.byeMs !== undefined) bye.push(call.byeMs);
    } catch (err) {
      failures.push((err as Error).message);
    }
  }
  const workDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-sipp-'));
  const sipp = [];
  let best: number | undefined;
  for (const rate of plan.sippRates) {
    const before = await started?.();
    const r = await runSippRate({
      target,
      user,
      host: '127.0.0.1',
      sipPort: PORTS.sippSip,
      mediaPort: PORTS.sippMedia,
      rate,
      durationS: plan.sippSeconds,
      callMs: plan.sippCallMs,
      workDir,
    });
    await new Promise((res) => setTimeout(res, plan.sippCallMs + 1000)); // let the last calls end
    if (started && before !== undefined) r.reachedAgent = (await started()) - before;
    sipp.push(r);
    log(
      `sipp ${rate} calls/s: ${r.successful} ok, ${r.failed} failed, ${r.retransmissions} retransmitted, ` +
        `${r.reachedAgent ?? '–'} reached the agent, INVITE → 200 p50/p95 ${r.inviteToOkMs.p50}/${r.inviteToOkMs.p95} ms (exit ${r.exitCode})`,
    );
    if (!sustained(r)) break;
    best = rate;
  }
  return {
    calls: plan.setupCalls,
    setupMs: roundSummary(summarize(setup)),
    byeMs: roundSummary(summarize(bye)),
    failures,
    sipp,
    maxCallsPerSecond: best,
  };
}

/** The agent's call setup, then the same against Kamailio answering a static 200 (the reference). */
async function setupPhase(ctx: BenchContext, agent: AgentUnderTest): Promise<SetupResult> {
  const own = await setupOf(ctx, agent.sip, agent.user, () => agentCallsStarted(agent.httpUrl));
  log('reference: the same against Kamailio answering a static 200');
  let reference: SetupResult['reference'];
  try {
    const kamailio = await startStaticKamailio(PORTS.kamailio);
    try {
      reference = {
        server: kamailioVersion(),
        ...(await setupOf(ctx, { host: '127.0.0.1', port: PORTS.kamailio }, agent.user)),
      };
    } finally {
      await kamailio.stop();
    }
  } catch (err) {
    log(`reference skipped: ${(err as Error).message.split('\n')[0]}`);
  }
  return { ...own, ...(reference ? { reference } : {}) };
}

function kamailioVersion(): string {
  try {
    return /kamailio [\d.]+/.exec(execFileSync('kamailio', ['-v'], { encoding: 'utf8' }))?.[0] ?? 'kamailio';
  } catch {
    return 'kamailio';
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const machine = machineInfo();
  const raised = raisePriority();
  const results: BenchResults = {
    date: new Date().toISOString(),
    mode: argv.quick ? 'quick' : 'full',
    telephony,
    ...(telephony === 'embedded' ? { forkLink } : {}),
    machine,
    tools: { ...(await toolVersions()), sipp: sippVersion() },
    loadAverage: { start: loadavg(), end: [] },
    latencies,
    durationS: 0,
    notes: [],
  };
  if (argv.replies === 'natural')
    results.notes.push('Replies: natural (no punctuation in their first words; see fakes-process.ts).');
  results.notes.push(
    raised
      ? 'Benchmark, agent, fakes and floor processes ran at nice −10, so other load on the machine disturbs them less.'
      : 'Could not raise process priority (not root): background load on the machine is in the figures.',
  );
  if (results.loadAverage.start[0]! > 1) {
    results.notes.push(
      `The machine was busy at start (load average ${results.loadAverage.start[0]!.toFixed(2)}); figures include that contention.`,
    );
  }
  const save = (): void => {
    results.loadAverage.end = loadavg();
    results.durationS = Math.round((performance.now() - started) / 1000);
    const files = writeResults(argv.out!, results);
    log(`wrote ${files.join(', ')}`);
  };
  const uac = await SipUac.open('127.0.0.1', PORTS.callerSip);
  const ctx: BenchContext = {
    uac,
    ports: new PortPool(PORTS.callerRtp.min, PORTS.callerRtp.max),
    fixtures: await loadFixtures(),
  };
  try {
    if (phases.has('floor')) {
      log('phase (d): Node echo floor');
      results.floor = { steps: await floorPhase(ctx) };
      save();
    }
    const needsAgent = ['turns', 'setup', 'density', 'fork'].some((p) => phases.has(p));
    const unavailable = needsAgent ? agentUnavailableReason() : undefined;
    if (unavailable) {
      results.notes.push(`Agent phases skipped: ${unavailable}`);
      log(`agent phases skipped: ${unavailable}`);
    } else if (needsAgent) {
      const agent = await startAgentUnderTest(
        latencies,
        plan,
        telephony,
        forkLink,
        argv.replies === 'natural' ? 'natural' : 'short-first',
      );
      log(`agent up: pid ${agent.pid}, SIP ${agent.sip.host}:${agent.sip.port}`);
      ctx.otherPids = { fakes: agent.fakesPid };
      try {
        if (phases.has('turns')) {
          log('phase (a): sequential turns');
          results.turns = await turnsPhase(ctx, agent);
          save();
        }
        if (phases.has('setup')) {
          log('phase (b): call setup and sipp calls per second');
          results.setup = await setupPhase(ctx, agent);
          save();
        }
        if (phases.has('fork')) {
          log('phase (e): fork path alone (no SIP/RTP)');
          results.fork = await runForkBench(
            { url: agent.forkUrl, to: agent.user, vadOnsetMs: agent.vadOnsetMs },
            ctx.fixtures,
            latencies,
            {
              turns: plan.forkTurns,
              turnsPerCall: plan.turnsPerCall,
              bargeEvery: plan.bargeEvery,
              bargeAfterMs: 300,
              parallel: plan.forkParallel,
            },
          );
          log(
            `fork: own share p50/p95 ${results.fork.agentShareMs.p50}/${results.fork.agentShareMs.p95} ms, killAudio ${results.fork.bargeInReactionMs.p50}/${results.fork.bargeInReactionMs.p95} ms`,
          );
          save();
        }
        if (phases.has('density')) {
          log('phase (c): density');
          results.density = await runDensity({
            ctx,
            target: agentTarget(agent),
            plan,
            injectedMs: injected,
            cores: machine.cores,
            deadline: started + plan.budgetS * 1000,
            log,
          });
          save();
        }
      } finally {
        results.notes.push(...agent.notes);
        await agent.stop();
      }
    }
  } finally {
    uac.close();
  }
  save();
  log(`done in ${results.durationS} s`);
}

if (argv['answer-detection']) {
  await runAnswerDetection({
    out: argv.out!,
    sttDelayMs: Number(argv['amd-stt-ms']),
    match: argv.match,
    log,
  });
} else if (argv['turn-taking'] && argv.rerender) {
  rerenderTurnTaking(argv.rerender, argv.out!);
} else if (argv['turn-taking']) {
  raisePriority();
  await runTurnTaking({
    modes: argv.modes!.split(',').map((m) => m.trim()) as Mode[],
    lanes: Number(argv.lanes),
    calls: argv.calls ? Number(argv.calls) : undefined,
    match: argv.match,
    turnModel: argv['turn-model'] ?? process.env.SWITCHBOARD_TURN_MODEL,
    agentRoot: argv['agent-root'],
    label: argv.label!,
    out: argv.out!,
    latencies: {
      sttFinalMs: latencies.sttFinalMs,
      llmFirstTokenMs: latencies.llmFirstTokenMs,
      ttsFirstByteMs: latencies.ttsFirstByteMs,
      fluxEotMs: Number(argv['flux-eot-ms']),
    },
    log,
  });
} else {
  await main();
}
