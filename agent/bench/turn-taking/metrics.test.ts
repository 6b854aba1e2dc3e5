import { describe, expect, it } from 'vitest';
import type { CallResult } from './call.js';
import { summarizeMode, table } from './metrics.js';
import { heardBetween, heardSpeech } from './playout.js';

const call = (over: Partial<CallResult>): CallResult => ({
  id: 'x',
  category: 'clean',
  mode: 'm',
  cutOff: false,
  partial: false,
  ...over,
});

describe('turn-taking metrics', () => {
  it('counts cut-offs over measured turns, latency over the others, and leaves broken calls out', () => {
    const s = summarizeMode('transcript', [
      call({
        latencyMs: 500,
        llmRequests: 3,
        agentTurn: { userText: 'Yes.', timings: { endOfUtteranceDelayMs: 300 } },
      }),
      call({ latencyMs: 700 }),
      call({ cutOff: true, partial: true }),
      call({ problem: 'no greeting' }),
      call({
        latencyMs: 600,
        overlap: {
          kind: 'cough',
          pauseMs: 70,
          heardMs: 4000,
          expectedMs: 4800,
          answered: false,
          falseBargeIn: true,
        },
      }),
      call({
        latencyMs: 650,
        overlap: {
          kind: 'interrupt',
          pauseMs: 62,
          stopMs: 62,
          heardMs: 900,
          expectedMs: 4800,
          answered: true,
          missed: false,
        },
      }),
    ]);
    expect(s).toMatchObject({
      calls: 6,
      turns: 5,
      cutOffs: 1,
      cutOffRate: 20,
      partial: 1,
      overlaps: 1,
      falseBargeIns: 1,
    });
    expect(s.latencyMs).toMatchObject({ n: 4, p50: 600, max: 700 });
    expect(s).toMatchObject({ interruptions: 1, missed: 0, missedRate: 0 });
    expect(s.problems).toEqual(['x: no greeting']);
    expect(table([s])).toContain(
      '| transcript | 20% (1/5) | 1/5 | 600 / 700 ms | 300 / 300 ms | 100% (1/1) | 0% (0/1) | 62 / 62 ms | 0.6 |',
    );
  });
});

describe('what the caller hears', () => {
  it('plays audio in order at real time and drops what was queued at killAudio', () => {
    // 1 s of speech arrives at once at t=0; killAudio at 400 ms; new speech arrives at 1000.
    const arrivals = [
      ...Array.from({ length: 50 }, () => ({ at: 0, ms: 20, voiced: true })),
      { at: 1000, ms: 20, voiced: true },
    ];
    const heard = heardSpeech(arrivals, [400]);
    expect(heard).toEqual([
      { start: 0, end: 400 },
      { start: 1000, end: 1020 },
    ]);
    expect(heardBetween(heard, 300, 1010)).toBe(110);
  });
});
