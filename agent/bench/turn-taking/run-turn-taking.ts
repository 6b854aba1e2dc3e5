/**
 * `npm run bench -- --turn-taking`: the turn-taking benchmark. Every scripted call (scenarios.ts)
 * runs once per end-of-turn mode against the agent over its fork WebSocket, with the provider fakes
 * at fixed latencies; the table reports false cut-offs, end of speech → first agent audio, false
 * barge-ins and missed barge-ins per mode. Writes results/turn-taking.{json,md}.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../child.js';
import { machineInfo } from '../machine.js';
import { renderCall, type CallAudio } from './audio.js';
import { runCall, type CallResult, type CallTarget } from './call.js';
import { startLane, type Lane, type Mode } from './lane.js';
import { summarizeMode, table, type ModeSummary } from './metrics.js';
import { CALLS } from './scenarios.js';

export interface TurnTakingOptions {
  modes: Mode[];
  lanes: number;
  /** Run only the first N calls (≥ 40 for a reportable run). */
  calls: number | undefined;
  /** Run only the calls whose id matches (e.g. "noise|interrupt"). */
  match: string | undefined;
  turnModel: string | undefined;
  /** Checkout the agent runs from (an old build for a before/after); default this one. */
  agentRoot: string | undefined;
  /** Label of the agent build in the report. */
  label: string;
  out: string;
  latencies: CallTarget['latencies'];
  log(msg: string): void;
}

export interface TurnTakingResults {
  date: string;
  label: string;
  machine: ReturnType<typeof machineInfo>;
  loadAverage: { start: number[]; end: number[] };
  latencies: CallTarget['latencies'];
  notes: string[];
  modes: ModeSummary[];
  calls: CallResult[];
}

export async function runTurnTaking(o: TurnTakingOptions): Promise<TurnTakingResults> {
  const pattern = o.match ? new RegExp(o.match) : undefined;
  const calls = CALLS.filter((c) => !pattern || pattern.test(c.id)).slice(0, o.calls ?? CALLS.length);
  const notes: string[] = [];
  const modes = o.modes.filter((m) => {
    if (m !== 'audio_model' || o.turnModel) return true;
    notes.push('audio_model not run: no model file (pass --turn-model or set SWITCHBOARD_TURN_MODEL).');
    return false;
  });
  const startLoad = loadavg();
  o.log(`rendering ${calls.length} calls (espeak-ng + sox)`);
  const audio = new Map<string, CallAudio>();
  for (const c of calls) audio.set(c.id, await renderCall(c));
  const lanes: Lane[] = [];
  try {
    for (let i = 0; i < o.lanes; i++) {
      lanes.push(
        await startLane({
          index: i,
          modes,
          root: o.agentRoot ?? REPO_ROOT,
          turnModel: o.turnModel,
          latencies: o.latencies,
        }),
      );
    }
    const results: CallResult[] = [];
    for (const mode of modes) {
      let next = 0;
      await Promise.all(
        lanes.map(async (lane) => {
          while (next < calls.length) {
            const call = calls[next++]!;
            const r = await runCall(call, audio.get(call.id)!, lane.target(mode)).catch(
              (err: unknown): CallResult => ({
                id: call.id,
                category: call.category,
                mode,
                cutOff: false,
                partial: false,
                problem: (err as Error).message,
              }),
            );
            results.push(r);
          }
        }),
      );
      const s = summarizeMode(
        mode,
        results.filter((r) => r.mode === mode),
      );
      o.log(
        `${mode}: cut-offs ${s.cutOffRate}%, latency p50 ${s.latencyMs.p50} ms, false barge-ins ${s.falseBargeInRate}%`,
      );
    }
    const out: TurnTakingResults = {
      ...summaries(o.label, modes, results),
      date: new Date().toISOString(),
      label: o.label,
      machine: machineInfo(),
      loadAverage: { start: startLoad, end: loadavg() },
      latencies: o.latencies,
      notes,
      modes: modes.map((m) =>
        summarizeMode(
          m === 'silence' ? `silence-only (${o.label})` : m,
          results.filter((r) => r.mode === m),
        ),
      ),
      calls: results,
    };
    writeTurnTaking(o.out, out);
    console.log(`\n${table(out.modes)}\n`);
    return out;
  } finally {
    for (const l of lanes) await l.stop();
  }
}

function summaries(label: string, modes: readonly string[], calls: CallResult[]) {
  const name = (m: string): string => (m === 'silence' ? `silence-only (${label})` : m);
  return {
    modes: modes.map((m) =>
      summarizeMode(
        name(m),
        calls.filter((r) => r.mode === m),
      ),
    ),
    calls,
  };
}

/** Recompute the table of a saved run (after the metrics changed) and write it again. */
export function rerenderTurnTaking(jsonPath: string, out: string): void {
  const r = JSON.parse(readFileSync(jsonPath, 'utf8')) as TurnTakingResults;
  const modes = [...new Set(r.calls.map((c) => c.mode))];
  const again = { ...r, ...summaries(r.label, modes, r.calls) };
  writeTurnTaking(out, again);
  console.log(`\n${table(again.modes)}\n`);
}

/** Writes the JSON and the Markdown table of a run. */
export function writeTurnTaking(dir: string, r: TurnTakingResults): void {
  mkdirSync(dir, { recursive: true });
  const slug = r.label.replace(/[^\w.]+/g, '-').replace(/^-|-$/g, '');
  const base = r.label === 'this build' ? 'turn-taking' : `turn-taking-${slug}`;
  writeFileSync(join(dir, `${base}.json`), `${JSON.stringify(r, null, 2)}\n`);
  const l = r.latencies;
  const md = [
    `# Turn-taking benchmark (${r.label})`,
    '',
    `${r.date}, ${r.machine.cpuModel} × ${r.machine.cores}, Node ${r.machine.node}; load average ${r.loadAverage.start.map((x) => x.toFixed(2)).join(' ')} at start.`,
    `Fakes: STT final / Finalize answer ${l.sttFinalMs} ms, Flux end of turn after ${l.fluxEotMs} ms of silence, LLM first token ${l.llmFirstTokenMs} ms, TTS first byte ${l.ttsFirstByteMs} ms.`,
    `${r.calls.length / Math.max(1, r.modes.length)} scripted calls per mode.`,
    '',
    table(r.modes),
    '',
    ...r.notes.map((n) => `- ${n}`),
    ...r.modes.flatMap((m) => m.problems.map((p) => `- ${m.mode}: not measured: ${p}`)),
    '',
  ].join('\n');
  writeFileSync(join(dir, `${base}.md`), md);
}
