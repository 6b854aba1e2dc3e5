import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../time/clock.js';
import type { SttEvent } from '../../providers/types.js';
import { transcriptScorer } from './turn-setup.js';
import {
  TurnDetector,
  type CompletionScorer,
  type TurnDetectorMode,
  type UserTurn,
} from './turn-detector.js';

function setup(mode: TurnDetectorMode, scorer?: CompletionScorer, completeAt = 0.8, incompleteAt = 0.2) {
  const clock = new ManualClock();
  const log: string[] = [];
  const turns: UserTurn[] = [];
  let finalizes = 0;
  const d = new TurnDetector(
    clock,
    {
      mode,
      minDelayMs: 300,
      maxDelayMs: 2000,
      finalizeTimeoutMs: 600,
      completeAt,
      incompleteAt,
      stableTextMs: 200,
    },
    {
      onTurn: (t) => {
        turns.push(t);
        log.push(`turn:${t.text}@${clock.now()}`);
      },
      finalize: () => finalizes++,
      onLikelyEnd: (text) => log.push(`likely:${text}@${clock.now()}`),
      onResumed: () => log.push(`resumed@${clock.now()}`),
      onWordlessEnd: () => log.push(`wordless@${clock.now()}`),
    },
    scorer,
  );
  const start = () => d.onVad({ type: 'speech_start', at: clock.now(), detectedAt: clock.now() });
  const end = () => d.onVad({ type: 'speech_end', at: clock.now(), detectedAt: clock.now() });
  const final = (text: string, speechFinal = false, fromFinalize = false) =>
    d.onStt({ type: 'transcript', text, isFinal: true, speechFinal, fromFinalize });
  const interim = (text: string) =>
    d.onStt({ type: 'transcript', text, isFinal: false, speechFinal: false, fromFinalize: false });
  const turn = (event: Extract<SttEvent, { type: 'turn' }>['event'], text: string) =>
    d.onStt({ type: 'turn', event, text, index: 0, confidence: 0.5 });
  return { clock, d, log, turns, start, end, final, interim, turn, finalizes: () => finalizes };
}

describe('TurnDetector: transcript policy', () => {
  it('a complete answer ends after the minimum delay, with the likely end announced first', () => {
    const t = setup('transcript', transcriptScorer);
    t.start();
    t.clock.advance(800);
    t.end();
    expect(t.finalizes()).toBe(1); // Finalize at the end of speech
    t.clock.advance(120);
    t.final('Are you open today?', false, true);
    t.clock.advance(179);
    expect(t.turns).toEqual([]);
    t.clock.advance(1);
    expect(t.log).toEqual(['likely:Are you open today?@920', 'turn:Are you open today?@1100']);
    expect(t.turns[0]).toMatchObject({ reason: 'endpointing', speechEndedAt: 800, completion: 0.95 });
  });

  it('waits through a 1.5 s pause after a digit group, and the maximum delay bounds it', () => {
    const t = setup('transcript', transcriptScorer);
    t.start();
    t.clock.advance(900);
    t.end();
    t.final('My number is 415', true);
    t.clock.advance(1500);
    expect(t.turns).toEqual([]);
    t.start();
    t.clock.advance(600);
    t.end();
    t.final('555', true);
    t.clock.advance(1999);
    expect(t.turns).toEqual([]);
    t.clock.advance(1);
    expect(t.turns.map((x) => x.text)).toEqual(['My number is 415 555']);
    expect(t.log.filter((l) => l.startsWith('likely'))).toEqual([]);
  });

  it('interpolates between the delays for text with no closing punctuation', () => {
    const t = setup('transcript', transcriptScorer);
    t.start();
    t.end();
    t.final('book a table for two', false, true); // 0.3 → 2000 − 1700 × 0.1 / 0.6
    t.clock.advance(1716);
    expect(t.turns).toEqual([]);
    t.clock.advance(1);
    expect(t.turns).toHaveLength(1);
  });

  it('speech again withdraws the likely end and cancels the pending end', () => {
    const t = setup('transcript', transcriptScorer);
    t.start();
    t.end();
    t.final('Book a table.', false, true);
    t.clock.advance(200);
    t.start();
    t.clock.advance(500);
    t.end();
    t.final('For two.', false, true);
    t.clock.advance(300);
    expect(t.log).toEqual([
      'likely:Book a table.@0',
      'resumed@200',
      'likely:Book a table. For two.@700',
      'turn:Book a table. For two.@1000',
    ]);
  });

  it('a complete-looking transcript that stays put while the caller still sounds is a likely end', () => {
    const t = setup('transcript', transcriptScorer);
    t.start();
    t.interim('Are you');
    t.clock.advance(250);
    t.interim('Are you open today?');
    t.clock.advance(199);
    expect(t.log).toEqual([]);
    t.clock.advance(1);
    expect(t.log).toEqual(['likely:Are you open today?@450']);
    t.interim('Are you open today? And');
    expect(t.log).toEqual(['likely:Are you open today?@450', 'resumed@450']);
    t.clock.advance(500);
    expect(t.log).toHaveLength(2); // "…And" does not look complete
  });

  it('sound with no words: an empty Finalize answer reports a wordless end at once', () => {
    const t = setup('transcript', transcriptScorer);
    t.start();
    t.clock.advance(200);
    t.end();
    t.clock.advance(50);
    t.final('', false, true);
    expect(t.log).toEqual(['wordless@250']);
    expect(t.turns).toEqual([]);
  });

  it('interim words at the deadline: finalize, then use the interim if no final comes', () => {
    const t = setup('transcript', transcriptScorer);
    t.start();
    t.interim('Yes please.');
    t.end();
    t.clock.advance(300);
    expect(t.finalizes()).toBe(2);
    t.clock.advance(600);
    expect(t.turns[0]).toMatchObject({ text: 'Yes please.', reason: 'finalize_timeout' });
  });
});

describe('TurnDetector: other modes', () => {
  it('silence: speech_final ends the turn at once (the old behaviour)', () => {
    const t = setup('silence');
    t.start();
    t.clock.advance(500);
    t.end();
    t.clock.advance(150);
    t.final('My number is 415', true);
    expect(t.turns[0]).toMatchObject({ text: 'My number is 415', reason: 'speech_final' });
  });

  it('audio_model: the model probability picks the delay; a late score of an old silence is ignored', async () => {
    const scores: ((p: number) => void)[] = [];
    const scorer: CompletionScorer = {
      textSensitive: false,
      score: () => new Promise<number>((resolve) => scores.push(resolve)),
    };
    const t = setup('audio_model', scorer, 0.5, 0.5);
    t.start();
    t.end();
    t.final('I want to book', false, true);
    t.start(); // the caller goes on before the model answered
    scores[0]!(0.9);
    await Promise.resolve();
    t.clock.advance(1000);
    t.end();
    t.final('a table.', false, true);
    expect(scores).toHaveLength(2);
    scores[1]!(0.2); // incomplete → max delay
    await Promise.resolve();
    t.clock.advance(1999);
    expect(t.turns).toEqual([]);
    t.clock.advance(1);
    expect(t.turns[0]).toMatchObject({ text: 'I want to book a table.', completion: 0.2 });
  });

  it('audio_model: a rejected score counts as unfinished (max delay), never as complete', async () => {
    const t = setup(
      'audio_model',
      { textSensitive: false, score: () => Promise.reject(new Error('x')) },
      0.5,
      0.5,
    );
    t.start();
    t.end();
    t.final('Yes.', false, true);
    await Promise.resolve();
    await Promise.resolve();
    t.clock.advance(1999);
    expect(t.turns).toEqual([]);
    t.clock.advance(1);
    expect(t.turns).toHaveLength(1);
  });

  it('flux: EagerEndOfTurn announces, TurnResumed withdraws, EndOfTurn ends; the VAD ends nothing', () => {
    const t = setup('flux');
    t.start();
    t.turn('start', '');
    t.turn('update', 'My number is');
    t.end();
    t.clock.advance(5000);
    expect(t.turns).toEqual([]);
    t.turn('eager_end', 'My number is 415.');
    t.turn('resumed', 'My number is 415.');
    t.turn('eager_end', 'My number is 415 555 0199.');
    t.turn('end', 'My number is 415 555 0199.');
    expect(t.log).toEqual([
      'likely:My number is 415.@5000',
      'resumed@5000',
      'likely:My number is 415 555 0199.@5000',
      'turn:My number is 415 555 0199.@5000',
    ]);
    expect(t.turns[0]!.reason).toBe('end_of_turn');
    expect(t.finalizes()).toBe(0);
  });
});
