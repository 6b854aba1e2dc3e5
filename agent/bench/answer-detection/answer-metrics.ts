/** Figures over the answer-detection set: accuracy per class, confusion matrix, latencies. Pure. */
import { roundSummary, summarize, type Summary } from '../stats.js';
import type { AnswerOutcome } from './evaluate.js';

export const CLASSES = ['human', 'voicemail', 'ivr', 'screening'] as const;
const DECIDED = [...CLASSES, 'unknown', 'none'] as const;

export interface ClassFigures {
  label: (typeof CLASSES)[number];
  n: number;
  correct: number;
  accuracy: number;
  /** Answer → decision, over the recordings of this class. */
  latencyMs: Summary;
}

export interface AnswerFigures {
  n: number;
  /** First decisions. */
  accuracy: number;
  /** Decisions after revisions. */
  finalAccuracy: number;
  /** Machines first taken for a person and then revised, and people wrongly revised to a machine. */
  revisedRight: number;
  revisedWrong: number;
  classes: ClassFigures[];
  /** confusion[label][decided] = count. */
  confusion: Record<string, Record<string, number>>;
  /** Human recordings: end of the callee's speech (from the audio) → decision. */
  humanAfterSpeechEndMs: Summary;
  /** Voicemails with a beep: how many the detector heard, and false beeps elsewhere. */
  beepsHeard: number;
  beepsExpected: number;
  falseBeeps: number;
  /** Voicemail: end of the beep → "leave the message now" (beeped greetings only). */
  leaveAfterBeepMs: Summary;
  /** Voicemail without a beep: end of the greeting → "leave the message now". */
  leaveWithoutBeepMs: Summary;
}

export function answerFigures(outcomes: readonly AnswerOutcome[]): AnswerFigures {
  const confusion: Record<string, Record<string, number>> = {};
  for (const label of CLASSES) confusion[label] = Object.fromEntries(DECIDED.map((d) => [d, 0]));
  for (const o of outcomes) confusion[o.label]![o.kind]!++;
  const classes = CLASSES.map((label): ClassFigures => {
    const mine = outcomes.filter((o) => o.label === label);
    const correct = mine.filter((o) => o.kind === label).length;
    return {
      label,
      n: mine.length,
      correct,
      accuracy: mine.length === 0 ? NaN : correct / mine.length,
      latencyMs: roundSummary(
        summarize(mine.flatMap((o) => (o.latencyMs === undefined ? [] : [o.latencyMs]))),
      ),
    };
  });
  const humans = outcomes.filter(
    (o) => o.label === 'human' && o.kind === 'human' && o.latencyMs !== undefined,
  );
  const beeped = outcomes.filter((o) => o.beepExpected);
  const leaveAfterBeep = beeped.flatMap((o) =>
    o.leaveMessageMs === undefined || o.beepEndMs === undefined ? [] : [o.leaveMessageMs - o.beepEndMs],
  );
  const leaveWithout = outcomes.flatMap((o) =>
    o.label === 'voicemail' && !o.beepExpected && o.leaveMessageMs !== undefined
      ? [o.leaveMessageMs - o.speechEndMs]
      : [],
  );
  return {
    n: outcomes.length,
    accuracy: outcomes.filter((o) => o.kind === o.label).length / Math.max(1, outcomes.length),
    finalAccuracy: outcomes.filter((o) => o.finalKind === o.label).length / Math.max(1, outcomes.length),
    revisedRight: outcomes.filter((o) => o.revisedMs !== undefined && o.finalKind === o.label).length,
    revisedWrong: outcomes.filter((o) => o.revisedMs !== undefined && o.finalKind !== o.label).length,
    classes,
    confusion,
    humanAfterSpeechEndMs: roundSummary(summarize(humans.map((o) => o.latencyMs! - o.speechEndMs))),
    beepsHeard: beeped.filter((o) => o.beepHeard).length,
    beepsExpected: beeped.length,
    falseBeeps: outcomes.filter((o) => !o.beepExpected && o.beepHeard).length,
    leaveAfterBeepMs: roundSummary(summarize(leaveAfterBeep)),
    leaveWithoutBeepMs: roundSummary(summarize(leaveWithout)),
  };
}

const pct = (v: number): string => (Number.isFinite(v) ? `${Math.round(v * 1000) / 10}%` : '-');
const ms = (v: number): string => (Number.isFinite(v) ? String(Math.round(v)) : '-');

/** A Markdown report of one run (a heading per transcript mode). */
export function answerTable(title: string, f: AnswerFigures): string {
  const lines = [
    `### ${title}`,
    '',
    `Accuracy ${pct(f.accuracy)} over ${f.n} recordings (first decision); ${pct(f.finalAccuracy)} after revisions (${f.revisedRight} right, ${f.revisedWrong} wrong).`,
    '',
    '| class | n | correct | accuracy | decision p50 ms | decision p95 ms |',
    '|---|---|---|---|---|---|',
    ...f.classes.map(
      (c) =>
        `| ${c.label} | ${c.n} | ${c.correct} | ${pct(c.accuracy)} | ${ms(c.latencyMs.p50)} | ${ms(c.latencyMs.p95)} |`,
    ),
    '',
    'Confusion matrix of first decisions (rows: truth, columns: decision):',
    '',
    `| truth \\ decided | ${DECIDED.join(' | ')} |`,
    `|---|${DECIDED.map(() => '---').join('|')}|`,
    ...CLASSES.map((l) => `| ${l} | ${DECIDED.map((d) => f.confusion[l]![d]).join(' | ')} |`),
    '',
    `Human decided after the callee stopped speaking: p50 ${ms(f.humanAfterSpeechEndMs.p50)} ms, p95 ${ms(f.humanAfterSpeechEndMs.p95)} ms, max ${ms(f.humanAfterSpeechEndMs.max)} ms.`,
    `Beeps heard ${f.beepsHeard}/${f.beepsExpected}, false beeps ${f.falseBeeps}; message start after the beep ended p50 ${ms(f.leaveAfterBeepMs.p50)} ms, p95 ${ms(f.leaveAfterBeepMs.p95)} ms; after a beep-less greeting ended p50 ${ms(f.leaveWithoutBeepMs.p50)} ms.`,
    '',
  ];
  return lines.join('\n');
}
