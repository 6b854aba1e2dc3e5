/**
 * The engine's own races (issue 11), each by name, on the in-memory harness and a manual clock:
 * two turns begun inside the replace window, a turn cancelled before its reply began, a late final
 * after the finalize wait, an LLM timeout with an adapter that ends quietly, a TTS socket that went
 * stale between turns.
 */
import { describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../testing/conversation-harness.js';
import { tokens } from '../testing/memory-providers.js';

const APOLOGY = "Sorry, I didn't catch that. Could you say it again?";
const transfer = { toolCalls: [{ id: 't1', name: 'transfer_call', arguments: '{"target":"sales"}' }] };

/** The caller makes a sound of `ms` with these words (interim half-way, final 150 ms after the end). */
async function utter(h: Harness, words: string, ms: number): Promise<void> {
  h.vad.speechStart();
  await h.settle();
  await h.advance(ms / 2);
  if (words) h.stt.interim(words);
  await h.advance(ms / 2);
  h.vad.speechEnd();
  await h.advance(150);
  h.stt.final(words, true);
  await h.settle();
}

async function untilAudioAfter(h: Harness, t: number): Promise<number> {
  for (let i = 0; i < 500 && !h.channel.of('audio').some((c) => c.at >= t); i++) await h.advance(10);
  return h.channel.of('audio').find((c) => c.at >= t)!.at;
}

const users = (h: Harness, request: number) =>
  h.llm.requests[request]!.messages.filter((m) => m.role === 'user').map((m) => m.content);

describe('Engine races', () => {
  it('two turns begun inside the replace window: only the newest runs; both caller messages are in history, in order', async () => {
    const h = await startHarness({
      llm: [
        [...tokens('Let me put you through to sales, one moment please.'), transfer],
        tokens('Nine to five.'),
      ],
    });
    await h.untilListening();
    const t0 = h.clock.now();
    await h.say('Sales please.');
    await untilAudioAfter(h, t0);
    await h.advance(400);
    // A real interruption while the transfer runs: this turn waits for the transfer's outcome...
    await utter(h, 'Actually, what are your hours?', 800);
    await h.advance(500);
    // ...and a DTMF batch begins another turn while it waits.
    h.conv.onEvent({ type: 'dtmf', digit: '1' });
    await h.advance(1100);
    expect(h.llm.requests).toHaveLength(1);
    h.conv.onEvent({ type: 'transferResult', ok: false, status: 486, reason: 'Busy Here' });
    await h.advance(500);
    await h.untilListening();

    expect(h.llm.requests).toHaveLength(2); // one reply for the two, not one each
    expect(users(h, 1).slice(-2)).toEqual(['Actually, what are your hours?', '[DTMF] 1']);
    expect(h.tts.spoken().filter((t) => t === 'Nine to five.')).toHaveLength(1);
    const superseded = h.observer.turns.find((t) => t.userText === 'Actually, what are your hours?')!;
    expect(superseded).toMatchObject({ interrupted: true, agentText: '' });
    expect(h.observer.turns.find((t) => t.userText === '[DTMF] 1')).toMatchObject({
      interrupted: false,
      agentText: 'Nine to five.',
    });
  });

  it('a turn cancelled before its reply began never calls the LLM and never plays audio', async () => {
    const h = await startHarness({
      tts: { connectDelayMs: 700 },
      profile: { turn: { preemptiveGeneration: false } },
      llm: [tokens('The answer to the second question.')],
      beforeStart: ({ tts }) => (tts.failConnects = 1), // no TTS at the start: the first reply connects it (700 ms)
    });
    await h.untilListening();
    await h.say('First question?');
    await h.advance(100);
    expect(h.llm.requests).toHaveLength(0); // still connecting
    const t = h.clock.now();
    await utter(h, 'No wait, second question.', 400); // replaces the first before its reply began
    await h.advance(1500);
    await h.untilListening();

    expect(h.llm.requests).toHaveLength(1);
    expect(users(h, 0).slice(-2)).toEqual(['First question?', 'No wait, second question.']);
    expect(h.tts.spoken()).toEqual(['The answer to the second question.']);
    expect(h.channel.of('audio').filter((a) => a.at >= t).length).toBeGreaterThan(0);
    expect(h.observer.turns.find((x) => x.userText === 'First question?')).toMatchObject({
      interrupted: true,
      agentText: '',
    });
  });

  it('a final arriving after the finalize wait is not a second caller turn, nor part of the next one', async () => {
    const h = await startHarness({ llm: [tokens('Booked.'), tokens('You are welcome.')] });
    await h.untilListening();
    h.vad.speechStart();
    await h.advance(400);
    h.stt.interim('book a table for two');
    await h.advance(400);
    h.vad.speechEnd();
    // No final for our Finalize within finalizeTimeoutMs (600): the turn ends on the interim words.
    await h.advance(2000 + 700);
    h.stt.final('Book a table for two.', false, true); // the late answer to our Finalize
    await h.advance(1500);
    await h.untilListening();
    await h.say('Thanks.');
    await h.advance(500);
    await h.untilListening();
    expect(h.llm.requests).toHaveLength(2);
    expect(users(h, 1)).toEqual(['book a table for two', 'Thanks.']);
    expect(h.observer.turns.filter((t) => t.userText !== '').map((t) => t.userText)).toEqual([
      'book a table for two',
      'Thanks.',
    ]);
    // Nor is it shown live as another caller line (the softphone's agent panel listens to these).
    const userLines = h.observer.events.flatMap((e) =>
      e.type === 'transcript' && e.role === 'user' && e.final ? [e.text] : [],
    );
    expect(userLines.filter((t) => /book a table/i.test(t))).toEqual(['book a table for two']);
  });

  it("a reply stalled mid-stream and cut off by the engine's idle timeout (the adapter then ends quietly) is the apology, not a finished reply", async () => {
    const h = await startHarness({
      llm: [[...tokens('Let me check that for you. One moment'), { hang: true }]],
      options: { timeouts: { llmIdleMs: 1000 } },
    });
    await h.untilListening();
    await h.say('Is it open?');
    await h.advance(2500);
    await h.untilListening();
    expect(h.llm.aborted).toBe(1); // the double ended quietly on our abort, as the OpenAI adapter does
    expect(h.tts.spoken().at(-1)).toBe(APOLOGY);
    const turn = h.observer.turns.find((t) => t.userText === 'Is it open?')!;
    expect(turn.agentText.startsWith('Let me')).toBe(true); // what the caller heard of it, then the apology
    expect(turn.agentText.endsWith(APOLOGY)).toBe(true);
    expect(turn.faults).toEqual([{ stage: 'llm', code: 'timeout', action: 'apologized' }]);
    expect(turn.llmCalls).toEqual([expect.objectContaining({ outcome: 'failed' })]);
  });

  it('a reply stalled before any of it was spoken is the apology within the first-token budget, not after the idle limit', async () => {
    const h = await startHarness({ llm: [[...tokens('Well, let'), { hang: true }]] });
    await h.untilListening();
    const t = h.clock.now();
    await h.say('Is it open?'); // 600 ms of speech from t
    const speechEnd = t + 600;
    const heard = await untilAudioAfter(h, speechEnd);
    expect(h.tts.spoken().at(-1)).toBe(APOLOGY);
    // The profile's firstTokenBudgetMs (2000) from the end of speech; the idle limit (5000) would
    // have been 5 s of silence.
    expect(heard - speechEnd).toBeLessThanOrEqual(2000);
    await h.untilListening();
    const turn = h.observer.turns.find((x) => x.userText === 'Is it open?')!;
    expect(turn.faults).toEqual([{ stage: 'llm', code: 'timeout', action: 'apologized' }]);
  });

  it('a TTS socket the vendor closed between turns is reopened: the next answer is spoken, not an apology', async () => {
    const h = await startHarness({ llm: [tokens('First answer.'), tokens('Second answer.')] });
    await h.untilListening();
    await h.say('One?');
    await h.untilListening();
    h.tts.dropConnections(); // Cartesia drops idle sockets after a few minutes
    await h.say('Two?');
    await h.advance(500);
    await h.untilListening();
    expect(h.tts.spoken().slice(1)).toEqual(['First answer.', 'Second answer.']);
    expect(h.tts.connects).toHaveLength(2);
    const second = h.observer.turns.find((t) => t.userText === 'Two?')!;
    expect(second.agentText).toBe('Second answer.');
    expect(second.faults).toEqual([
      {
        stage: 'tts',
        code: 'closed',
        action: 'reconnected',
        route: 'memory-tts:primary:a0e99841-438c-4a64-b679-ae501e7d6091',
      },
    ]);
  });
});
