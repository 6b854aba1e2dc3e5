/**
 * One load step: N concurrent calls to a target (the agent or the echo floor), each running the call
 * script, while the target process's CPU and RSS are sampled. Everything is measured at the caller.
 */
import type { FixtureSet } from './fixtures.js';
import { runScript, type ScriptOptions, type ScriptResult } from './call-script.js';
import { ProcessMonitor, sampleProcess } from './machine.js';
import { BenchCall } from './rtp-caller.js';
import type { PortPool } from './rtp-endpoint.js';
import type { SipUac } from './sip-uac.js';
import { roundSummary, summarize, type Summary } from './stats.js';
import { Ticker } from './ticker.js';

export interface Target {
  name: string;
  sip: { host: string; port: number };
  user: string;
  /** Process to sample for CPU and RSS. */
  pid: number;
  expectGreeting: boolean;
}

export interface BenchContext {
  /** Other processes whose CPU share is reported with each step (e.g. the fake providers). */
  otherPids?: Record<string, number>;
  uac: SipUac;
  ports: PortPool;
  fixtures: FixtureSet;
}

export interface StepOptions {
  calls: number;
  /** Calls start evenly spread over this window (deterministic). */
  rampMs: number;
  script: Omit<ScriptOptions, 'expectGreeting'>;
  /** Packets at the start of each call left out of the steady-state pacing figure. */
  warmupPackets?: number;
  /** Sentence the first call starts with (call i starts at firstSentence + i). */
  firstSentence?: number;
}

export interface StepResult {
  target: string;
  calls: number;
  connected: number;
  failures: string[];
  setupMs: Summary;
  byeMs: Summary;
  voiceToVoiceMs: Summary;
  bargeInMs: Summary;
  bargeMissed: number;
  /** |arrival gap − 20 ms| of the target's RTP after each call's first packets. */
  pacingErrorMs: Summary;
  /** Per-call RFC 3550 jitter at hang-up. */
  jitterMs: Summary;
  packetsExpected: number;
  packetsLost: number;
  /** How late the caller's own 20 ms ticks ran (measurement noise on our side). */
  callerTickLateMs: Summary;
  cpuPercent: number;
  /** CPU % (of one core) of this benchmark process (the caller) and of `otherPids`, same window. */
  otherCpuPercent: Record<string, number>;
  peakRssMb: number;
  /** Peak RSS ÷ calls: an upper bound on memory per call (it includes the process's fixed base). */
  rssPerCallMb: number;
  rssBeforeMb: number;
  durationS: number;
}

const MB = 2 ** 20;

async function oneCall(ctx: BenchContext, target: Target, ticker: Ticker, opts: StepOptions, index: number) {
  const call = await BenchCall.dial({
    uac: ctx.uac,
    ticker,
    ports: ctx.ports,
    target: target.sip,
    user: target.user,
  });
  let script: ScriptResult;
  try {
    script = await runScript(call, ctx.fixtures, {
      ...opts.script,
      firstSentence: (opts.firstSentence ?? 0) + index,
      expectGreeting: target.expectGreeting,
    });
  } finally {
    await call.hangup().catch(() => undefined);
  }
  return { call, script };
}

export interface StepRun {
  result: StepResult;
  /** Every voice-to-voice and barge-in figure of the step, for pooling across steps. */
  raw: { voiceToVoiceMs: number[]; bargeInMs: number[] };
}

export async function runStep(ctx: BenchContext, target: Target, opts: StepOptions): Promise<StepRun> {
  const ticker = new Ticker();
  const before = sampleProcess(target.pid);
  const monitor = new ProcessMonitor(target.pid, 250);
  const startedAt = performance.now();
  monitor.start();
  const others = Object.entries(ctx.otherPids ?? {}).map(([name, pid]) => ({
    name,
    m: new ProcessMonitor(pid, 1000),
  }));
  for (const o of others) o.m.start();
  const callerCpu = process.cpuUsage();
  const gap = opts.calls > 1 ? opts.rampMs / opts.calls : 0;
  const settled = await Promise.allSettled(
    Array.from({ length: opts.calls }, async (_, i) => {
      await new Promise((r) => setTimeout(r, i * gap));
      return oneCall(ctx, target, ticker, opts, i);
    }),
  );
  const proc = monitor.stop();
  const wallMs = performance.now() - startedAt;
  const used = process.cpuUsage(callerCpu);
  const otherCpuPercent: Record<string, number> = {
    caller: Math.round(((used.user + used.system) / 1000 / wallMs) * 1000) / 10,
  };
  for (const o of others) otherCpuPercent[o.name] = Math.round(o.m.stop().cpuPercent * 10) / 10;
  const failures: string[] = [];
  const v2v: number[] = [];
  const barge: number[] = [];
  const pacing: number[] = [];
  const jitter: number[] = [];
  const setup: number[] = [];
  const bye: number[] = [];
  let bargeMissed = 0;
  let expected = 0;
  let lost = 0;
  let connected = 0;
  const warm = opts.warmupPackets ?? 25;
  for (const s of settled) {
    if (s.status === 'rejected') {
      failures.push(String((s.reason as Error).message ?? s.reason));
      continue;
    }
    connected++;
    const { call, script } = s.value;
    setup.push(call.setupMs);
    if (call.byeMs !== undefined) bye.push(call.byeMs);
    failures.push(...script.failures);
    for (const t of script.turns) if (t.voiceToVoiceMs !== undefined) v2v.push(t.voiceToVoiceMs);
    for (const b of script.barges) {
      if (b.missed) bargeMissed++;
      else if (b.bargeInMs !== undefined) barge.push(b.bargeInMs);
    }
    const rep = call.report();
    pacing.push(...rep.pacingErrorsMs.slice(warm));
    jitter.push(rep.jitterMs);
    expected += rep.loss.expected;
    lost += rep.loss.lost;
  }
  const result: StepResult = {
    target: target.name,
    calls: opts.calls,
    connected,
    failures,
    setupMs: roundSummary(summarize(setup)),
    byeMs: roundSummary(summarize(bye)),
    voiceToVoiceMs: roundSummary(summarize(v2v)),
    bargeInMs: roundSummary(summarize(barge)),
    bargeMissed,
    pacingErrorMs: roundSummary(summarize(pacing)),
    jitterMs: roundSummary(summarize(jitter)),
    packetsExpected: expected,
    packetsLost: lost,
    callerTickLateMs: roundSummary(summarize(ticker.lateness)),
    cpuPercent: Math.round(proc.cpuPercent * 10) / 10,
    otherCpuPercent,
    peakRssMb: Math.round((proc.peakRssBytes / MB) * 10) / 10,
    rssPerCallMb: Math.round((proc.peakRssBytes / MB / Math.max(1, opts.calls)) * 100) / 100,
    rssBeforeMb: before ? Math.round((before.rssBytes / MB) * 10) / 10 : NaN,
    durationS: Math.round((performance.now() - startedAt) / 100) / 10,
  };
  return { result, raw: { voiceToVoiceMs: v2v, bargeInMs: barge } };
}
