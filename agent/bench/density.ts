/**
 * Density: concurrent calls stepped up until a limit. A step is *held* when it meets every
 * criterion of issue 6 (no failed call or lost packet, p95 voice-to-voice within 20 ms of the
 * 10-call step, pacing error p99 ≤ 5 ms). Stepping stops at a hard limit (failures, loss, latency
 * growth); a pacing miss alone does not stop it, because on a busy machine the caller's own timing
 * noise (the floor rows) can exceed 5 ms, and the curve is still worth drawing.
 */
import type { BenchContext, StepResult, Target } from './load-step.js';
import { runStep } from './load-step.js';
import { MAX_SETUP_RATE, type Plan } from './plan.js';
import type { DensityResult } from './results-types.js';

export interface StepVerdict {
  /** Reasons to stop stepping. */
  hard: string[];
  /** Reasons the step is not held, though stepping goes on. */
  soft: string[];
}

export const PACING_P99_LIMIT_MS = 5;
export const V2V_GROWTH_LIMIT_MS = 20;
/** Beyond this the caller's own event loop is too late for its arrival times to mean much. */
export const CALLER_LATE_LIMIT_MS = 10;

export function judgeStep(s: StepResult, baselineP95: number, turnsPerCall: number): StepVerdict {
  const hard: string[] = [];
  const soft: string[] = [];
  const missing = s.calls * turnsPerCall - s.voiceToVoiceMs.n;
  if (s.connected < s.calls || missing > 0)
    hard.push(`${s.calls - s.connected} calls failed, ${missing} turns unanswered`);
  if (s.packetsLost > 0) hard.push(`${s.packetsLost} packets lost`);
  if (s.voiceToVoiceMs.p95 > baselineP95 + V2V_GROWTH_LIMIT_MS) {
    hard.push(
      `p95 voice-to-voice ${s.voiceToVoiceMs.p95} ms > baseline ${baselineP95} + ${V2V_GROWTH_LIMIT_MS} ms`,
    );
  }
  if (!(s.pacingErrorMs.p99 <= PACING_P99_LIMIT_MS))
    soft.push(`pacing error p99 ${s.pacingErrorMs.p99} ms > ${PACING_P99_LIMIT_MS} ms`);
  if (s.callerTickLateMs.p99 > CALLER_LATE_LIMIT_MS) {
    soft.push(
      `caller starved (its own ticks p99 ${s.callerTickLateMs.p99} ms late): timings of this step are unreliable`,
    );
  }
  return { hard, soft };
}

export interface DensityDeps {
  ctx: BenchContext;
  target: Target;
  plan: Plan;
  /** Sum of the injected provider latencies and endpointing, ms. */
  injectedMs: number;
  cores: number;
  /** Agent RSS before any call, bytes (per-call memory is measured against it). */
  /** performance.now() by which the phase must be over. */
  deadline: number;
  log(msg: string): void;
}

export async function runDensity(d: DensityDeps): Promise<DensityResult> {
  const steps: DensityResult['steps'] = [];
  let baseline: number | undefined;
  let stopReason = `reached the last step (${d.plan.densitySteps[d.plan.densitySteps.length - 1]} calls)`;
  let held: number | undefined;
  let contiguous = true;
  for (const calls of d.plan.densitySteps) {
    const rampMs = Math.max(d.plan.rampMs, (calls / MAX_SETUP_RATE) * 1000);
    // A step lasts its ramp plus a greeting and the turns (about 4.5 s each on the default fakes).
    const expectedMs = rampMs + 3000 + d.plan.densityTurns * 4500;
    if (performance.now() + expectedMs > d.deadline) {
      stopReason = `out of time budget before ${calls} calls (the run must stay under ${d.plan.budgetS} s)`;
      break;
    }
    const { result: s } = await runStep(d.ctx, d.target, {
      calls,
      rampMs,
      script: { turns: d.plan.densityTurns, ...d.plan.agentScript },
    });
    baseline ??= s.voiceToVoiceMs.p95;
    const verdict = judgeStep(s, baseline, d.plan.densityTurns);
    const prev = steps.at(-1);
    steps.push({
      ...s,
      marginalRssPerCallMb: prev
        ? Math.round(((s.peakRssMb - prev.peakRssMb) / (calls - prev.calls)) * 100) / 100
        : undefined,
      agentShareP95Ms: Math.round((s.voiceToVoiceMs.p95 - d.injectedMs) * 100) / 100,
      held: contiguous && verdict.hard.length === 0 && verdict.soft.length === 0,
      verdict: [...verdict.hard, ...verdict.soft],
    });
    d.log(
      `density ${calls} calls: v2v p95 ${s.voiceToVoiceMs.p95} ms, pacing p99 ${s.pacingErrorMs.p99} ms, ` +
        `lost ${s.packetsLost}, CPU agent ${s.cpuPercent} % caller ${s.otherCpuPercent['caller']} % fakes ${s.otherCpuPercent['fakes']} %, RSS ${s.peakRssMb} MB${verdict.soft.length ? ` (${verdict.soft.join('; ')})` : ''}`,
    );
    if (verdict.hard.length === 0 && verdict.soft.length === 0 && contiguous) held = calls;
    else contiguous = false;
    if (verdict.hard.length) {
      stopReason = `at ${calls} calls: ${verdict.hard.join('; ')}`;
      break;
    }
  }
  const heldStep = steps.find((x) => x.calls === held);
  return {
    steps,
    stopReason,
    baselineP95Ms: baseline,
    maxCallsHeld: held,
    callsPerCore: held === undefined ? undefined : held / d.cores,
    callsPerAgentCore:
      heldStep && heldStep.cpuPercent > 0
        ? Math.round((heldStep.calls / (heldStep.cpuPercent / 100)) * 10) / 10
        : undefined,
  };
}
