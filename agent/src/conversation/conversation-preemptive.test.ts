/**
 * Preemptive generation: the LLM (never the audio) starts on a likely end of turn and is adopted,
 * restarted or cancelled. Flux turn events (EagerEndOfTurn, TurnResumed, EndOfTurn) and the
 * transcript policy, on the in-memory harness.
 */
import { describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../testing/conversation-harness.js';
import { tokens } from '../testing/memory-providers.js';

const flux = { turn: { detector: 'flux' } };

function agentAudioAfter(h: Harness, t: number): number {
  return h.channel.of('audio').filter((a) => a.at > t).length;
}

describe('Conversation: preemptive replies', () => {
  it('Flux EagerEndOfTurn starts the LLM; EndOfTurn with the same words adopts it (no second request)', async () => {
    const h = await startHarness({
      profile: flux,
      llm: [[{ delayMs: 300 }, ...tokens('Table for two, done.')]],
    });
    await h.untilListening();
    const t0 = h.clock.now();
    h.vad.speechStart();
    h.stt.turn('start');
    h.stt.turn('update', 'Book a table for two');
    await h.advance(800);
    h.vad.speechEnd();
    await h.advance(200);
    h.stt.turn('eager_end', 'Book a table for two.', 0.55);
    await h.settle();
    expect(h.llm.requests).toHaveLength(1);
    expect(h.llm.requests[0]!.messages.at(-1)).toEqual({ role: 'user', content: 'Book a table for two.' });
    await h.advance(150);
    expect(agentAudioAfter(h, t0)).toBe(0); // the LLM runs, the audio waits for the end of the turn
    h.stt.turn('end', 'Book a table for two.', 0.9);
    await h.untilTurn('Book a table for two.');
    await h.untilListening();

    expect(h.llm.requests).toHaveLength(1);
    expect(h.tts.spoken().at(-1)).toBe('Table for two, done.');
    const turn = h.observer.turns.at(-1)!;
    expect(turn).toMatchObject({ userText: 'Book a table for two.', preemptive: 'used', interrupted: false });
    // The reply's first audio came 300 ms after the eager end (LLM), not 300 ms after EndOfTurn.
    expect(turn.timings.llmTtftMs).toBeCloseTo(300, -1);
  });

  it('TurnResumed after EagerEndOfTurn cancels the early reply; no audio from it is ever played', async () => {
    const h = await startHarness({
      profile: flux,
      llm: [[{ delayMs: 1000 }, ...tokens('WRONG early answer.')], tokens('Right answer.')],
    });
    await h.untilListening();
    const t0 = h.clock.now();
    h.vad.speechStart();
    h.stt.turn('start');
    await h.advance(500);
    h.vad.speechEnd();
    h.stt.turn('eager_end', 'My number is 415.', 0.5);
    await h.settle();
    expect(h.llm.requests).toHaveLength(1);
    await h.advance(600);
    h.vad.speechStart();
    h.stt.turn('resumed', 'My number is 415.', 0.2);
    await h.settle();
    expect(h.llm.aborted).toBe(1);
    h.stt.turn('update', 'My number is 415 555 0199');
    await h.advance(900);
    h.vad.speechEnd();
    await h.advance(300);
    h.stt.turn('end', 'My number is 415 555 0199.', 0.9);
    await h.untilTurn('My number is 415 555 0199.');
    await h.untilListening();

    expect(h.tts.spoken().some((t) => t.includes('WRONG'))).toBe(false);
    expect(h.tts.spoken().at(-1)).toBe('Right answer.');
    expect(h.llm.requests).toHaveLength(2);
    expect(h.llm.requests[1]!.messages.at(-1)).toEqual({
      role: 'user',
      content: 'My number is 415 555 0199.',
    });
    expect(h.observer.turns.at(-1)).toMatchObject({ preemptive: 'discarded' });
    // No agent audio at all between the caller's first words and the real end of the turn.
    const endAt = h.llm.requestTimes[1]!;
    expect(h.channel.of('audio').filter((a) => a.at > t0 && a.at < endAt)).toEqual([]);
  });

  it('transcript policy: a final that differs from the early text cancels the early reply and restarts', async () => {
    const h = await startHarness({
      llm: [[{ delayMs: 1000 }, ...tokens('WRONG early answer.')], tokens('Two people, noted.')],
    });
    await h.untilListening();
    h.vad.speechStart();
    await h.advance(300);
    h.stt.interim('Book a table.');
    await h.advance(300);
    // "Book a table." looks complete and stayed put for 200 ms: the LLM starts before the VAD's end.
    expect(h.llm.requests).toHaveLength(1);
    h.vad.speechEnd();
    await h.settle();
    expect(h.llm.requests).toHaveLength(1);
    await h.advance(150);
    h.stt.final('Book a table for', false); // ...but the final says more is coming
    await h.settle();
    expect(h.llm.aborted).toBe(1);
    h.vad.speechStart();
    await h.advance(400);
    h.stt.interim('two people.');
    h.vad.speechEnd();
    await h.advance(150);
    h.stt.final('two people.', true);
    await h.untilTurn('Book a table for two people.');
    await h.untilListening();

    expect(h.tts.spoken().some((t) => t.includes('WRONG'))).toBe(false);
    expect(h.tts.spoken().at(-1)).toBe('Two people, noted.');
    const last = h.llm.requests.at(-1)!.messages.at(-1);
    expect(last).toEqual({ role: 'user', content: 'Book a table for two people.' });
    // The early reply on the longer text was adopted: two requests in all, the first one cancelled.
    expect(h.llm.requests).toHaveLength(2);
    expect(h.observer.turns.at(-1)!.preemptive).toBe('used');
  });

  it('the LLM is not started early when the text looks unfinished ("my number is 415")', async () => {
    const h = await startHarness({ llm: [tokens('Got it.')] });
    await h.untilListening();
    h.vad.speechStart();
    await h.advance(600);
    h.vad.speechEnd();
    await h.advance(150);
    h.stt.final('My number is 415', true);
    await h.advance(1200); // a pause inside the turn, longer than silence-only endpointing would wait
    expect(h.llm.requests).toHaveLength(0);
    h.vad.speechStart();
    await h.advance(600);
    h.vad.speechEnd();
    await h.advance(150);
    h.stt.final('555 0199.', true);
    await h.untilTurn('My number is 415 555 0199.');
    expect(h.llm.requests).toHaveLength(1);
  });

  it('preemptiveGeneration off: nothing starts before the end of the turn', async () => {
    const h = await startHarness({
      profile: { turn: { preemptiveGeneration: false } },
      llm: [tokens('Okay.')],
    });
    await h.untilListening();
    h.vad.speechStart();
    await h.advance(400);
    h.vad.speechEnd();
    await h.advance(150);
    h.stt.final('Are you open?', true);
    await h.advance(100);
    expect(h.llm.requests).toHaveLength(0);
    await h.untilTurn('Are you open?');
    expect(h.llm.requests).toHaveLength(1);
    expect(h.observer.turns.at(-1)?.preemptive).toBeUndefined();
  });
});
