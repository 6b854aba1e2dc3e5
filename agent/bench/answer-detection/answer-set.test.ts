/**
 * The whole generated answer set through the AnswerClassifier (audio + the transcript stand-in):
 * the figures the issue targets, computed from the set (decision clock times), not from how long
 * this test takes. Needs espeak-ng and sox (installed by scripts/setup.sh).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { RenderedRecording } from './answer-audio.js';
import { answerFigures, CLASSES, type AnswerFigures } from './answer-metrics.js';
import { evaluateAnswerSet, renderAnswerSet } from './run-answer-detection.js';

let set: RenderedRecording[];
let withText: AnswerFigures;
let audioOnly: AnswerFigures;

beforeAll(async () => {
  set = await renderAnswerSet();
  withText = answerFigures(await evaluateAnswerSet(set, { sttDelayMs: 300, transcript: true }));
  audioOnly = answerFigures(await evaluateAnswerSet(set, { sttDelayMs: 300, transcript: false }));
}, 120_000);

describe('answer detection on the generated set', () => {
  it('has at least 30 labelled recordings covering every class, with and without beeps', () => {
    expect(set.length).toBeGreaterThanOrEqual(30);
    for (const label of CLASSES)
      expect(set.filter((r) => r.recording.label === label).length).toBeGreaterThanOrEqual(4);
    expect(set.filter((r) => r.beep).length).toBeGreaterThanOrEqual(8);
    expect(set.filter((r) => r.recording.label === 'voicemail' && !r.beep).length).toBeGreaterThanOrEqual(4);
    expect(set.filter((r) => r.recording.rate === 16000).length).toBeGreaterThanOrEqual(4);
    expect(set.filter((r) => r.recording.noise).length).toBeGreaterThanOrEqual(8);
  });

  it('classifies at least 90% correctly at the first decision, and at least 80% of every class', () => {
    expect(withText.accuracy).toBeGreaterThanOrEqual(0.9);
    for (const c of withText.classes) expect(c.accuracy, c.label).toBeGreaterThanOrEqual(0.8);
  });

  it('revises a greeting first taken for a person once it says "leave a message", and never a person', () => {
    expect(withText.revisedRight).toBeGreaterThanOrEqual(1);
    expect(withText.revisedWrong).toBe(0);
    expect(withText.finalAccuracy).toBeGreaterThan(withText.accuracy);
  });

  it('decides human within 1.5 s of the end of the callee speech, every time', () => {
    const human = withText.classes.find((c) => c.label === 'human')!;
    expect(withText.humanAfterSpeechEndMs.n).toBe(human.correct);
    expect(withText.humanAfterSpeechEndMs.max).toBeLessThanOrEqual(1500);
    expect(withText.humanAfterSpeechEndMs.min).toBeGreaterThanOrEqual(0);
  });

  it('hears every beep, no false ones, and says to speak within 100 ms of the beep ending', () => {
    expect(withText.beepsHeard).toBe(withText.beepsExpected);
    expect(withText.falseBeeps).toBe(0);
    expect(withText.leaveAfterBeepMs.n).toBe(withText.beepsExpected);
    expect(withText.leaveAfterBeepMs.min).toBeGreaterThanOrEqual(0);
    expect(withText.leaveAfterBeepMs.max).toBeLessThanOrEqual(100);
  });

  it('stays at 90% or better when 15% of the words are dropped or misheard and the STT is 800 ms late', async () => {
    const rough = answerFigures(
      await evaluateAnswerSet(set, { sttDelayMs: 800, transcript: true, wordErrorRate: 0.15 }),
    );
    expect(rough.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(rough.humanAfterSpeechEndMs.max).toBeLessThanOrEqual(1500);
  });

  it('without a transcript still tells people from machines (machines all come out as voicemail)', () => {
    const byLabel = (label: string) => audioOnly.classes.find((c) => c.label === label)!;
    expect(byLabel('human').accuracy).toBeGreaterThanOrEqual(0.9);
    expect(byLabel('voicemail').accuracy).toBeGreaterThanOrEqual(0.9);
    expect(audioOnly.confusion.ivr!.human).toBe(0);
    expect(audioOnly.confusion.screening!.human).toBe(0);
    // Only the deliberately hard "Hello? … (pause) … leave a message" greeting, and its beep revises it.
    expect(audioOnly.confusion.voicemail!.human).toBeLessThanOrEqual(1);
    expect(audioOnly.revisedWrong).toBe(0);
    expect(audioOnly.beepsHeard).toBe(audioOnly.beepsExpected);
  });
});
