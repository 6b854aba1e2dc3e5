/** Turns the calls of one end-of-turn mode into the benchmark's figures. Pure. */
import { roundSummary, summarize, type Summary } from '../stats.js';
import type { CallResult } from './call.js';

export interface ModeSummary {
  mode: string;
  /** Calls run, and calls that could not be measured (with why). */
  calls: number;
  problems: string[];
  /** Caller turns measured, and how many the agent spoke into (a false cut-off). */
  turns: number;
  cutOffs: number;
  cutOffRate: number;
  /** Turns the agent took in part (its records hold a split turn). */
  partial: number;
  /** Caller's end of speech → first agent audio heard, for turns not cut off. */
  latencyMs: Summary;
  /** The agent's own end-of-turn delay (its VAD's end of speech → its decision), turns not cut off. */
  endOfTurnMs: Summary;
  /** Backchannels and noises over the agent's speech, and how many stopped its reply. */
  overlaps: number;
  falseBargeIns: number;
  falseBargeInRate: number;
  /** Caller sound onset → the agent paused (killAudio), over backchannels and noises. */
  pauseMs: Summary;
  /** Real interruptions, how many were missed, and onset → silence at the caller. */
  interruptions: number;
  missed: number;
  missedRate: number;
  stopMs: Summary;
  /** LLM requests per call (a reply prepared early and thrown away costs one more). */
  llmRequestsPerCall: number;
}

const rate = (n: number, of: number): number => (of === 0 ? NaN : Math.round((n / of) * 1000) / 10);

export function summarizeMode(mode: string, results: readonly CallResult[]): ModeSummary {
  const ok = results.filter((r) => !r.problem);
  const measured = ok.filter((r) => r.cutOff || r.latencyMs !== undefined);
  const cutOffs = measured.filter((r) => r.cutOff).length;
  const overlaps = ok.flatMap((r) => (r.overlap && r.overlap.kind !== 'interrupt' ? [r.overlap] : []));
  const interrupts = ok.flatMap((r) => (r.overlap?.kind === 'interrupt' ? [r.overlap] : []));
  const falseBargeIns = overlaps.filter((o) => o.falseBargeIn).length;
  const missed = interrupts.filter((o) => o.missed).length;
  return {
    mode,
    calls: results.length,
    problems: results.flatMap((r) => (r.problem ? [`${r.id}: ${r.problem}`] : [])),
    turns: measured.length,
    cutOffs,
    cutOffRate: rate(cutOffs, measured.length),
    partial: measured.filter((r) => r.partial).length,
    latencyMs: roundSummary(
      summarize(measured.flatMap((r) => (r.latencyMs !== undefined ? [r.latencyMs] : []))),
    ),
    endOfTurnMs: roundSummary(
      summarize(
        measured.flatMap((r) => {
          const v = r.agentTurn?.timings.endOfUtteranceDelayMs;
          return !r.cutOff && v !== undefined ? [v] : [];
        }),
      ),
    ),
    overlaps: overlaps.length,
    falseBargeIns,
    falseBargeInRate: rate(falseBargeIns, overlaps.length),
    pauseMs: roundSummary(summarize(overlaps.flatMap((o) => (o.pauseMs !== undefined ? [o.pauseMs] : [])))),
    interruptions: interrupts.length,
    missed,
    missedRate: rate(missed, interrupts.length),
    stopMs: roundSummary(summarize(interrupts.flatMap((o) => (o.stopMs !== undefined ? [o.stopMs] : [])))),
    llmRequestsPerCall:
      Math.round((ok.reduce((n, r) => n + (r.llmRequests ?? 0), 0) / Math.max(1, ok.length)) * 100) / 100,
  };
}

const ms = (v: number): string => (Number.isFinite(v) ? `${Math.round(v)}` : '–');
const pct = (v: number): string => (Number.isFinite(v) ? `${v}%` : '–');

/** The benchmark table (Markdown). */
export function table(rows: readonly ModeSummary[]): string {
  const out = [
    '| end-of-turn mode | false cut-offs | turn taken in part | end of speech → agent audio p50 / p95 | end-of-turn delay p50 / p95 | false barge-ins | missed barge-ins | real barge-in → agent silent p50 / p95 | LLM calls per call |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    out.push(
      `| ${r.mode} | ${pct(r.cutOffRate)} (${r.cutOffs}/${r.turns}) | ${r.partial}/${r.turns} | ` +
        `${ms(r.latencyMs.p50)} / ${ms(r.latencyMs.p95)} ms | ${ms(r.endOfTurnMs.p50)} / ${ms(r.endOfTurnMs.p95)} ms | ` +
        `${pct(r.falseBargeInRate)} (${r.falseBargeIns}/${r.overlaps}) | ` +
        `${pct(r.missedRate)} (${r.missed}/${r.interruptions}) | ${ms(r.stopMs.p50)} / ${ms(r.stopMs.p95)} ms | ` +
        `${r.llmRequestsPerCall} |`,
    );
  }
  return out.join('\n');
}
