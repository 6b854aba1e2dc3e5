import { describe, expect, it } from 'vitest';
import { ManualClock } from '../time/clock.js';
import { concatPcm } from '../audio/pcm.js';
import { framesOf, makeSpeech, silencePcm } from '../testing/speech-fixtures.js';
import { sine, vowel } from '../testing/tone-signals.js';
import { AnswerClassifier } from './answer-classifier.js';
import type { AnswerEvent } from './answer-types.js';

const RATE = 8000;

/** Push audio frame by frame on the clock; `say` delivers transcript text when the clock reaches `at`. */
function play(
  c: AnswerClassifier,
  clock: ManualClock,
  pcm: Int16Array,
  say: { at: number; text: string }[] = [],
  chunkMs = 20,
): void {
  const pending = [...say];
  for (const frame of framesOf(pcm, RATE, chunkMs)) {
    while (pending[0] && pending[0].at <= clock.now() + chunkMs) {
      clock.advance(pending[0].at - clock.now());
      c.transcript(pending.shift()!.text);
    }
    clock.advance((frame.length * 1000) / RATE);
    c.push(frame);
  }
}

async function drain(c: AnswerClassifier): Promise<AnswerEvent[]> {
  c.close();
  const events: AnswerEvent[] = [];
  for await (const e of c) events.push(e);
  return events;
}

/** Speech-like audio of `ms`: 220 ms syllables of a voiced vowel with 60 ms dips between them. */
function talk(ms: number): Int16Array {
  const syllable = concatPcm([vowel(140, 220, RATE), silencePcm(60, RATE)]);
  const out = new Int16Array((ms * RATE) / 1000);
  for (let at = 0; at < out.length; at += syllable.length) out.set(syllable.subarray(0, out.length - at), at);
  return out;
}

describe('AnswerClassifier', () => {
  it('decides human 800 ms after a short "hello?" ends, not before', async () => {
    const clock = new ManualClock();
    const c = new AnswerClassifier({ sampleRate: RATE, clock });
    play(c, clock, concatPcm([silencePcm(300, RATE), talk(500), silencePcm(700, RATE)]), [
      { at: 1000, text: 'Hello?' },
    ]);
    expect(c.decision).toBeUndefined();
    play(c, clock, silencePcm(200, RATE));
    const d = c.decision!;
    expect(d).toMatchObject({ kind: 'human', reason: 'short_greeting', words: 1 });
    expect(d.afterSpeechEndMs).toBeGreaterThanOrEqual(800);
    expect(d.afterSpeechEndMs).toBeLessThanOrEqual(840);
    expect(d.latencyMs).toBe(d.at);
    expect(d.timing.initialSilenceMs).toBe(300);
    const events = await drain(c);
    expect(events.map((e) => e.type)).toEqual(['decision']);
  });

  it('gives the same decision whatever the chunk size of the audio', () => {
    const pcm = concatPcm([silencePcm(300, RATE), talk(500), silencePcm(1200, RATE)]);
    const at = (chunkMs: number): number => {
      const clock = new ManualClock();
      const c = new AnswerClassifier({ sampleRate: RATE, clock });
      play(c, clock, pcm, [], chunkMs);
      return c.decision!.latencyMs;
    };
    expect(at(30)).toBeCloseTo(at(20), -2);
    expect(at(7)).toBeCloseTo(at(20), -2);
  });

  it('decides voicemail on a transcript cue mid-greeting, then reports the beep and says when to speak', async () => {
    const clock = new ManualClock();
    const c = new AnswerClassifier({ sampleRate: RATE, clock });
    const pcm = concatPcm([
      silencePcm(200, RATE),
      talk(3000),
      silencePcm(600, RATE),
      sine(1000, 500, RATE),
      silencePcm(1000, RATE),
    ]);
    play(c, clock, pcm, [{ at: 1500, text: 'Hi, leave a message' }]);
    const events = await drain(c);
    expect(events.map((e) => e.type)).toEqual(['decision', 'beep', 'leave_message']);
    expect(c.decision).toMatchObject({ kind: 'voicemail', reason: 'transcript_cue', at: 1500 });
    expect(c.decision!.afterSpeechEndMs).toBeUndefined();
    expect(c.beep!.hz).toBeCloseTo(1000, -2);
    const leave = events[2]!;
    expect(leave).toMatchObject({ type: 'leave_message', beepHeard: true });
    expect(leave.type === 'leave_message' && leave.at).toBeGreaterThanOrEqual(200 + 3000 + 600 + 500);
    expect(leave.type === 'leave_message' && leave.at).toBeLessThanOrEqual(200 + 3000 + 600 + 500 + 60);
  });

  it('on voicemail without a beep starts the message after the no-beep wait', async () => {
    const clock = new ManualClock();
    const c = new AnswerClassifier({ sampleRate: RATE, clock, thresholds: { noBeepWaitMs: 2000 } });
    play(c, clock, concatPcm([talk(3000), silencePcm(3000, RATE)]), [
      { at: 1000, text: "I'm not available" },
    ]);
    const events = await drain(c);
    expect(events.map((e) => e.type)).toEqual(['decision', 'leave_message']);
    const leave = events[1]!;
    expect(leave.type === 'leave_message' && leave.beepHeard).toBe(false);
    expect(leave.type === 'leave_message' && leave.at).toBeGreaterThanOrEqual(3000 + 2000);
    expect(leave.type === 'leave_message' && leave.at).toBeLessThanOrEqual(3000 + 2000 + 140);
  });

  it('decides voicemail on a beep heard before anything else settled it', async () => {
    const clock = new ManualClock();
    const c = new AnswerClassifier({ sampleRate: RATE, clock });
    play(
      c,
      clock,
      concatPcm([talk(1200), silencePcm(300, RATE), sine(800, 400, RATE), silencePcm(500, RATE)]),
    );
    const events = await drain(c);
    expect(events.map((e) => e.type)).toEqual(['beep', 'decision', 'leave_message']);
    expect(c.decision).toMatchObject({ kind: 'voicemail', reason: 'beep' });
    expect(c.beep?.hz).toBeCloseTo(800, -2);
  });

  it('decides ivr and screening on their cues and then ignores further input', async () => {
    for (const [text, kind] of [
      ['Thank you for calling. For sales press one', 'ivr'],
      ['Please state your name', 'screening'],
    ] as const) {
      const clock = new ManualClock();
      const c = new AnswerClassifier({ sampleRate: RATE, clock });
      play(c, clock, talk(2500), [{ at: 2000, text }]);
      expect(c.decision).toMatchObject({ kind, reason: 'transcript_cue' });
      play(c, clock, concatPcm([silencePcm(500, RATE), sine(1000, 500, RATE), silencePcm(500, RATE)]));
      c.transcript('leave a message after the tone');
      expect((await drain(c)).map((e) => e.type)).toEqual(['decision']);
    }
  });

  it('takes a short greeting with a weak cue ("who is this?") for a person', () => {
    const clock = new ManualClock();
    const c = new AnswerClassifier({ sampleRate: RATE, clock });
    play(c, clock, concatPcm([talk(900), silencePcm(1000, RATE)]), [
      { at: 950, text: 'Hello, who is this?' },
    ]);
    expect(c.decision).toMatchObject({ kind: 'human', cues: ['who is this'] });
  });

  it('calls a long cue-less monologue voicemail, and without a transcript counts bursts as words', () => {
    const clock = new ManualClock();
    const c = new AnswerClassifier({ sampleRate: RATE, clock, thresholds: { maxGreetingMs: 4000 } });
    const phrase = concatPcm([talk(900), silencePcm(300, RATE)]);
    play(c, clock, concatPcm([phrase, phrase, phrase, phrase, phrase]));
    expect(c.decision).toMatchObject({ kind: 'voicemail', reason: 'long_greeting', words: 5 });
    expect(c.decision!.latencyMs).toBeLessThan(6000);
  });

  it('gives a long greeting a grace period for a late transcript cue before calling it voicemail', () => {
    const clock = new ManualClock();
    const c = new AnswerClassifier({ sampleRate: RATE, clock });
    play(c, clock, concatPcm([talk(3000), silencePcm(1500, RATE)]), [
      { at: 4500, text: 'Thank you for calling. For sales press 1' },
    ]);
    expect(c.decision).toMatchObject({ kind: 'ivr', reason: 'transcript_cue', at: 4500 });
    const clock2 = new ManualClock();
    const quiet = new AnswerClassifier({ sampleRate: RATE, clock: clock2 });
    play(quiet, clock2, concatPcm([talk(3000), silencePcm(2500, RATE)]));
    expect(quiet.decision).toMatchObject({ kind: 'voicemail', reason: 'long_greeting' });
    expect(quiet.decision!.afterSpeechEndMs).toBeGreaterThanOrEqual(1800);
    expect(quiet.decision!.afterSpeechEndMs).toBeLessThanOrEqual(1860);
  });

  it('reports unknown after the initial silence, and on a timeout when no audio arrives at all', async () => {
    const clock = new ManualClock();
    const c = new AnswerClassifier({ sampleRate: RATE, clock, thresholds: { initialSilenceMs: 3000 } });
    play(c, clock, silencePcm(3100, RATE));
    expect(c.decision).toMatchObject({ kind: 'unknown', reason: 'initial_silence' });
    const clock2 = new ManualClock();
    const quiet = new AnswerClassifier({
      sampleRate: RATE,
      clock: clock2,
      thresholds: { maxAnalysisMs: 5000 },
    });
    clock2.advance(4999);
    expect(quiet.decision).toBeUndefined();
    clock2.advance(1);
    expect(quiet.decision).toMatchObject({ kind: 'unknown', reason: 'timeout', latencyMs: 5000 });
    expect((await drain(quiet)).map((e) => e.type)).toEqual(['decision']);
  });

  it('revises a "Hello?" that goes on into a voicemail greeting, and leaves the message after the beep', async () => {
    const clock = new ManualClock();
    const c = new AnswerClassifier({ sampleRate: RATE, clock });
    play(c, clock, concatPcm([talk(500), silencePcm(1500, RATE)]), [{ at: 800, text: 'Hello?' }]);
    expect(c.decision).toMatchObject({ kind: 'human' });
    play(
      c,
      clock,
      concatPcm([talk(2500), silencePcm(400, RATE), sine(1000, 400, RATE), silencePcm(400, RATE)]),
      [{ at: 3500, text: "Hello? I'm not here, leave a message" }],
    );
    const events = await drain(c);
    expect(events.map((e) => e.type)).toEqual(['decision', 'revised', 'beep', 'leave_message']);
    expect(c.decision).toMatchObject({ kind: 'voicemail', reason: 'transcript_cue', revises: 'human' });
  });

  it('does not revise after the revision window, nor on a person who just keeps talking', async () => {
    const clock = new ManualClock();
    const c = new AnswerClassifier({ sampleRate: RATE, clock, thresholds: { reviseWithinMs: 3000 } });
    play(c, clock, concatPcm([talk(500), silencePcm(1500, RATE), talk(1500)]), [
      { at: 800, text: 'Hello?' },
      { at: 3000, text: 'Hello? Hello, can you hear me?' },
    ]);
    expect(c.decision).toMatchObject({ kind: 'human' });
    clock.advance(3000);
    c.transcript('Hello? Leave a message after the tone');
    play(c, clock, concatPcm([sine(1000, 400, RATE), silencePcm(400, RATE)]));
    expect(c.decision).toMatchObject({ kind: 'human' });
    expect((await drain(c)).map((e) => e.type)).toEqual(['decision']);
  });

  it('close() is idempotent, ends the stream and stops the timer', async () => {
    const clock = new ManualClock();
    const c = new AnswerClassifier({ sampleRate: RATE, clock });
    c.close();
    c.close();
    clock.advance(60_000);
    c.push(talk(500));
    expect(c.decision).toBeUndefined();
    expect(await drain(c)).toEqual([]);
  });

  it('works on real speech: a 16 kHz "Hello, Marco speaking." is a person', () => {
    const clock = new ManualClock();
    const speech = makeSpeech('Hello, Marco speaking.', 16000, 0).pcm;
    const c = new AnswerClassifier({ sampleRate: 16000, clock });
    let at = 0;
    const pcm = concatPcm([speech, silencePcm(1500, 16000)]);
    for (const frame of framesOf(pcm, 16000)) {
      clock.advance(20);
      at += 20;
      if (at === 1200) c.transcript('Hello, Marco speaking.');
      c.push(frame);
    }
    expect(c.decision).toMatchObject({ kind: 'human', reason: 'short_greeting' });
  });
});
