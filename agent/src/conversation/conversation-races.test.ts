/**
 * The turn-taking races, by name: speech during thinking, a backchannel during speech, a cough
 * during a tool call, a real interruption during a tool call. Driven by the in-memory harness on a
 * manual clock.
 */
import { describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../testing/conversation-harness.js';
import { tokens } from '../testing/memory-providers.js';

const LONG =
  'One two three four five six seven eight nine ten, eleven twelve thirteen fourteen fifteen sixteen. ' +
  'Then the rest of this rather long reply follows here.';

async function untilAudioAfter(h: Harness, t: number): Promise<number> {
  for (let i = 0; i < 500 && !h.channel.of('audio').some((c) => c.at >= t); i++) await h.advance(10);
  const a = h.channel.of('audio').find((c) => c.at >= t);
  if (!a) throw new Error('no audio');
  return a.at;
}

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

const transfer = { toolCalls: [{ id: 't1', name: 'transfer_call', arguments: '{"target":"sales"}' }] };

describe('Conversation races', () => {
  it('speech during thinking: the reply is held, then the newest turn is answered with both utterances in history', async () => {
    const h = await startHarness({
      llm: [[{ delayMs: 1500 }, ...tokens('You said Monday.')], tokens('Monday and Friday then.')],
    });
    await h.untilListening();
    const t0 = h.clock.now();
    await h.say('Book me for Monday.');
    expect(h.conv.agentState).toBe('thinking');
    await utter(h, 'And also Friday.', 700);
    await h.untilTurn('And also Friday.');
    await h.untilListening();

    expect(h.llm.aborted).toBe(1); // the stale reply stopped
    expect(h.tts.spoken()).toEqual(['Hello there.', 'Monday and Friday then.']);
    const audioBeforeSecond = h.channel.of('audio').filter((a) => a.at > t0 && a.at < h.llm.requestTimes[1]!);
    expect(audioBeforeSecond).toEqual([]); // nothing of the held reply was ever played
    const users = h.llm.requests[1]!.messages.filter((m) => m.role === 'user').map((m) => m.content);
    expect(users).toEqual(['Book me for Monday.', 'And also Friday.']);
    const held = h.observer.turns.find((t) => t.userText === 'Book me for Monday.')!;
    expect(held).toMatchObject({ interrupted: true, agentText: '' });
  });

  it('a cough while the agent is thinking only holds the reply; it is then spoken in full', async () => {
    const h = await startHarness({ llm: [[{ delayMs: 1000 }, ...tokens('Here is the answer.')]] });
    await h.untilListening();
    await h.say('What is it?');
    h.vad.speechStart();
    await h.advance(200);
    h.vad.speechEnd();
    await h.untilListening();
    expect(h.llm.requests).toHaveLength(1);
    expect(h.llm.aborted).toBe(0);
    expect(h.tts.spoken().at(-1)).toBe('Here is the answer.');
    expect(h.observer.turns.at(-1)).toMatchObject({ interrupted: false, agentText: 'Here is the answer.' });
  });

  it('backchannel during speech: playout pauses, the same reply resumes where the caller stopped hearing it', async () => {
    const h = await startHarness({ llm: [tokens(LONG, 40)] });
    await h.untilListening();
    const t0 = h.clock.now();
    await h.say('Count for me.');
    const first = await untilAudioAfter(h, t0);
    await h.advance(first + 1500 - h.clock.now());
    const onset = h.clock.now();
    await utter(h, 'Uh-huh.', 500); // longer than the 300 ms minimum, but only a backchannel
    expect(h.channel.of('killAudio').map((k) => k.at)).toEqual([onset]);
    await h.untilListening();

    expect(h.llm.requests).toHaveLength(1); // "uh-huh" is not answered
    expect(h.llm.aborted).toBe(0);
    const resumed = h.tts.utterances.at(-1)!.text.trim();
    expect(LONG.endsWith(resumed)).toBe(true);
    expect(resumed.length).toBeLessThan(LONG.length - 10);
    const turn = h.observer.turns.find((t) => t.userText === 'Count for me.')!;
    expect(turn).toMatchObject({ interrupted: false, agentText: LONG });
    expect(h.observer.turns.some((t) => t.userText.includes('Uh-huh'))).toBe(false);
    // The resumed audio started within a few hundred ms of the backchannel's final.
    const resumeAudio = h.channel.of('audio').find((a) => a.at > onset)!;
    expect(resumeAudio.at - onset).toBeLessThan(1000);
  });

  it('cough during a tool call: the tool is not cancelled, the preamble resumes, the answer follows', async () => {
    const h = await startHarness({
      llm: [
        [...tokens('Let me put you through to sales, one moment please.'), transfer],
        tokens('Sales is busy.'),
      ],
    });
    let transferAt = -1;
    h.channel.onCommand = (c) => {
      if (c.type === 'transfer') transferAt = c.at;
    };
    await h.untilListening();
    const t0 = h.clock.now();
    await h.say('Sales please.');
    await untilAudioAfter(h, t0);
    await h.advance(500);
    expect(transferAt).toBeGreaterThan(0); // the tool started with the preamble still playing
    h.vad.speechStart(); // a cough
    await h.advance(200);
    h.vad.speechEnd();
    await h.advance(1500);
    h.conv.onEvent({ type: 'transferResult', ok: false, status: 486, reason: 'Busy Here' });
    await h.untilListening();

    const turn = h.observer.turns.find((t) => t.userText === 'Sales please.')!;
    expect(turn.toolCalls).toEqual([
      {
        name: 'transfer_call',
        arguments: '{"target":"sales"}',
        result: '{"ok":false,"status":486,"reason":"Busy Here"}',
      },
    ]);
    expect(turn.interrupted).toBe(false);
    expect(turn.agentText).toBe('Let me put you through to sales, one moment please. Sales is busy.');
    expect(h.channel.of('killAudio')).toHaveLength(1);
  });

  it('a real interruption during a tool call keeps the tool running; its result precedes the new question', async () => {
    const h = await startHarness({
      llm: [[...tokens('Let me put you through to sales, one moment please.'), transfer], tokens('Sure.')],
    });
    await h.untilListening();
    const t0 = h.clock.now();
    await h.say('Sales please.');
    await untilAudioAfter(h, t0);
    await h.advance(400);
    await utter(h, 'Actually, what are your hours?', 800);
    await h.advance(500);
    expect(h.llm.requests).toHaveLength(1); // the next turn waits for the transfer's outcome
    h.conv.onEvent({ type: 'transferResult', ok: false, status: 486, reason: 'Busy Here' });
    await h.untilTurn('Actually, what are your hours?');
    await h.untilListening();

    const msgs = h.llm.requests[1]!.messages;
    const roles = msgs.slice(-3).map((m) => m.role);
    expect(roles).toEqual(['assistant', 'tool', 'user']);
    expect(msgs.at(-2)).toMatchObject({
      role: 'tool',
      content: '{"ok":false,"status":486,"reason":"Busy Here"}',
    });
    expect(msgs.at(-1)).toEqual({ role: 'user', content: 'Actually, what are your hours?' });
    const cut = msgs.at(-3) as { content: string };
    expect('Let me put you through to sales, one moment please.'.startsWith(cut.content)).toBe(true);
    expect(cut.content.length).toBeLessThan(50);
    expect(h.observer.turns.find((t) => t.userText === 'Sales please.')?.interrupted).toBe(true);
  });

  it('hangup right after a successful transfer, while its preamble is still being made: the call ends "transferred"', async () => {
    const h = await startHarness({
      llm: [[...tokens('Putting you through to our sales team right now.'), transfer]],
    });
    h.channel.onCommand = (c) => {
      if (c.type === 'transfer')
        queueMicrotask(() => h.conv.onEvent({ type: 'transferResult', ok: true, status: 202 }));
    };
    await h.untilListening();
    h.tts.failNext = 'silent'; // the preamble is still being synthesised when the caller's side hangs up
    await h.say('Sales please.');
    await h.advance(100);
    expect(h.channel.of('transfer')).toHaveLength(1);
    expect(h.observer.events.filter((e) => e.type === 'tool')).toHaveLength(1);
    await h.conv.close('caller_hangup');
    expect(h.observer.ended?.reason).toBe('transferred');
  });
});
