/**
 * `npm run bench -- --answer-detection`: runs the generated answer set (answer-set.ts) through the
 * AnswerClassifier twice — with the transcript stand-in (audio + text, as with a streaming STT) and
 * with audio alone (timing and beep only, as app_amd/mod_avmd work) — and prints accuracy per class,
 * the confusion matrix and decision latency per class. Writes results/answer-detection.{json,md}.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toolVersions } from '../fixtures.js';
import { machineInfo } from '../machine.js';
import { renderRecording, type RenderedRecording } from './answer-audio.js';
import { answerFigures, answerTable, type AnswerFigures } from './answer-metrics.js';
import { ANSWER_SET } from './answer-set.js';
import { evaluateRecording, type AnswerOutcome } from './evaluate.js';

export interface AnswerDetectionOptions {
  out: string;
  sttDelayMs: number;
  match: string | undefined;
  log(msg: string): void;
}

/** Render the set (cached) and evaluate it in one transcript mode. */
export async function renderAnswerSet(match?: string): Promise<RenderedRecording[]> {
  const pattern = match ? new RegExp(match) : undefined;
  const chosen = ANSWER_SET.filter((r) => !pattern || pattern.test(r.id));
  return Promise.all(chosen.map((r) => renderRecording(r)));
}

export async function evaluateAnswerSet(
  set: readonly RenderedRecording[],
  o: { sttDelayMs: number; transcript: boolean; wordErrorRate?: number },
): Promise<AnswerOutcome[]> {
  const outcomes: AnswerOutcome[] = [];
  for (const r of set) outcomes.push(await evaluateRecording(r, o));
  return outcomes;
}

export async function runAnswerDetection(o: AnswerDetectionOptions): Promise<void> {
  o.log('rendering the answer set (espeak-ng + sox, cached)');
  const set = await renderAnswerSet(o.match);
  const modes = [
    { name: `audio + transcript (STT stand-in, words ${o.sttDelayMs} ms after they end)`, transcript: true },
    { name: 'audio only (speech timing and beep, no transcript)', transcript: false },
  ];
  const runs: { mode: string; figures: AnswerFigures; outcomes: AnswerOutcome[] }[] = [];
  const audioS = set.reduce((sum, r) => sum + r.pcm.length / r.recording.rate, 0);
  let cpuMsPerAudioS = 0;
  for (const m of modes) {
    const started = performance.now();
    const outcomes = await evaluateAnswerSet(set, { sttDelayMs: o.sttDelayMs, transcript: m.transcript });
    cpuMsPerAudioS = Math.max(cpuMsPerAudioS, (performance.now() - started) / audioS);
    runs.push({ mode: m.name, figures: answerFigures(outcomes), outcomes });
  }
  const sweep: string[] = [
    '| STT delay | words dropped or misheard | accuracy (first / after revisions) | human: end of speech → decision p95 | voicemail decision p50 |',
    '|---|---|---|---|---|',
  ];
  for (const [sttDelayMs, wordErrorRate] of [
    [0, 0],
    [300, 0],
    [800, 0],
    [1500, 0],
    [300, 0.15],
    [300, 0.3],
  ] as const) {
    const f = answerFigures(await evaluateAnswerSet(set, { sttDelayMs, transcript: true, wordErrorRate }));
    const vm = f.classes.find((c) => c.label === 'voicemail')!;
    sweep.push(
      `| ${sttDelayMs} ms | ${wordErrorRate * 100}% | ${(f.accuracy * 100).toFixed(1)}% / ${(f.finalAccuracy * 100).toFixed(1)}% | ${Math.round(f.humanAfterSpeechEndMs.p95)} ms | ${Math.round(vm.latencyMs.p50)} ms |`,
    );
  }
  const notes = [
    'Every recording is synthetic (espeak-ng voices, sox beeps and pink noise); the transcript is the text that was synthesised, with word times estimated from the audio — no real STT errors (the last rows of the sweep drop or mishear words at random instead).',
    'Thresholds follow Asterisk app_amd\'s defaults (800 ms of silence ends a greeting), set before the first run; one cue (a receptionist\'s "how can I help you") was added after it, for a case in this set. The set was written by the same engineer as the classifier: treat the figures as a regression check, not a field accuracy.',
    'Latencies are clock times of the decision (a manual clock advanced 20 ms per frame), not how long this run took.',
    `Cost: ${cpuMsPerAudioS.toFixed(2)} ms of CPU per second of callee audio (the slower mode; includes the transcript stand-in), over ${Math.round(audioS)} s of audio.`,
  ];
  const md = [
    '## Answer detection',
    '',
    `${new Date().toISOString()} — ${set.length} recordings.`,
    '',
    ...runs.map((r) => answerTable(r.mode, r.figures)),
    '### How late and how wrong the transcript may be',
    '',
    ...sweep,
    '',
    ...notes.map((n) => `- ${n}`),
    '',
  ].join('\n');
  console.log(md);
  mkdirSync(o.out, { recursive: true });
  const json = {
    date: new Date().toISOString(),
    machine: machineInfo(),
    tools: await toolVersions(),
    sttDelayMs: o.sttDelayMs,
    cpuMsPerAudioS,
    notes,
    runs,
  };
  writeFileSync(join(o.out, 'answer-detection.json'), `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(join(o.out, 'answer-detection.md'), md);
  o.log(`wrote ${join(o.out, 'answer-detection.md')}`);
}
