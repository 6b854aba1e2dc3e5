import { describe, expect, it } from 'vitest';
import { judgeStep } from './density.js';
import type { StepResult } from './load-step.js';
import { summarize } from './stats.js';

function step(over: Partial<StepResult> & { v2v?: number[]; pacing?: number[] }): StepResult {
  const { v2v = [900, 910, 920], pacing = [0.5, 1, 2], ...rest } = over;
  const empty = summarize([]);
  return {
    target: 'agent',
    calls: 3,
    connected: 3,
    failures: [],
    setupMs: empty,
    byeMs: empty,
    voiceToVoiceMs: summarize(v2v),
    bargeInMs: empty,
    bargeMissed: 0,
    pacingErrorMs: summarize(pacing),
    jitterMs: empty,
    packetsExpected: 1000,
    packetsLost: 0,
    callerTickLateMs: empty,
    cpuPercent: 10,
    otherCpuPercent: {},
    peakRssMb: 100,
    rssPerCallMb: 1,
    rssBeforeMb: 90,
    durationS: 5,
    ...rest,
  };
}

describe('density step verdicts', () => {
  it('holds a clean step', () => {
    expect(judgeStep(step({}), 920, 1)).toEqual({ hard: [], soft: [] });
  });

  it('stops on latency growth beyond 20 ms, on loss and on unanswered turns', () => {
    expect(judgeStep(step({ v2v: [900, 950, 941] }), 920, 1).hard).toHaveLength(1);
    expect(judgeStep(step({ packetsLost: 2 }), 920, 1).hard).toEqual(['2 packets lost']);
    expect(judgeStep(step({ connected: 2, v2v: [900, 910] }), 920, 1).hard[0]).toMatch(
      /1 calls failed, 1 turns unanswered/,
    );
  });

  it('marks a pacing miss as not held without stopping', () => {
    const v = judgeStep(step({ pacing: [1, 2, 6] }), 920, 1);
    expect(v.hard).toEqual([]);
    expect(v.soft[0]).toMatch(/pacing error p99 6 ms/);
  });

  it('flags a step measured by a starved caller as unreliable', () => {
    const v = judgeStep(step({ callerTickLateMs: summarize([1, 2, 30]) }), 920, 1);
    expect(v.soft[0]).toMatch(/caller starved/);
  });
});
