import { describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../testing/conversation-harness.js';
import { tokens } from '../testing/memory-providers.js';

const LONG =
  'One two three four five six seven eight nine ten, eleven twelve thirteen fourteen fifteen sixteen. ' +
  'Then the rest of this rather long reply follows here.';

function firstAudioAfter(h: Harness, t: number): number {
  const a = h.channel.of('audio').find((c) => c.at >= t);
  if (!a) throw new Error('no audio');
  return a.at;
}

async function untilAudioAfter(h: Harness, t: number): Promise<number> {
  for (let i = 0; i < 500 && !h.channel.of('audio').some((c) => c.at >= t); i++) await h.advance(10);
  return firstAudioAfter(h, t);
}

function lastAssistant(h: Harness): string | undefined {
  const msgs = h.llm.requests.at(-1)!.messages;
  const users = msgs.flatMap((m, i) => (m.role === 'user' ? [i] : []));
  const between = msgs.slice(users.at(-2)! + 1, users.at(-1));
  const a = between.find((m) => m.role === 'assistant');
  return a?.content;
}

describe('Conversation: barge-in', () => {
  it('barge-in mid-sentence: playout paused at once, then a real word cancels LLM and TTS; history holds what was heard', async () => {
    const h = await startHarness({ llm: [tokens(LONG, 80)] });
    await h.untilListening();
    const turnStart = h.clock.now();
    await h.say('Count for me.');
    const firstAudio = await untilAudioAfter(h, turnStart);
    await h.advance(firstAudio + 600 - h.clock.now());
    const bargeAt = h.clock.now();
    h.vad.speechStart();
    await h.settle();

    // The pause: killAudio and TTS stopped on the onset, the LLM still running.
    const kill = h.channel.of('killAudio');
    expect(kill).toHaveLength(1);
    expect(kill[0]!.at).toBe(bargeAt);
    expect(h.tts.utterances[1]!.cancelled).toBe(true);
    expect(h.llm.aborted).toBe(0);
    expect(h.conv.agentState).toBe('listening');
    h.stt.interim('Wait');
    await h.advance(290);
    expect(h.llm.aborted).toBe(0); // a word, but not 300 ms of speech yet
    await h.advance(20);
    expect(h.llm.aborted).toBe(1); // the interruption: 300 ms and a word that is not a backchannel
    expect(h.channel.of('audio').filter((a) => a.at > bargeAt)).toEqual([]);
    h.vad.speechEnd();
    await h.advance(150);
    h.stt.final('Wait, what?', true);
    await h.untilListening();

    const interrupted = h.observer.turns.find((t) => t.index === 1)!;
    expect(interrupted.interrupted).toBe(true);
    const heard = lastAssistant(h)!;
    expect(heard).toBe(interrupted.agentText);
    expect(LONG.startsWith(heard)).toBe(true);
    expect(LONG[heard.length]).toBe(' ');
    // Heard ≈ 600 ms − 14 ms start latency at 60 ms per character (the fake TTS's rate).
    const expectedChars = (600 - 14) / 60;
    expect(heard.length).toBeGreaterThan(expectedChars - 8);
    expect(heard.length).toBeLessThanOrEqual(expectedChars + 1);
  });

  it('barge-in during the first TTS chunk leaves no assistant text in history', async () => {
    const h = await startHarness({ llm: [tokens('This is a long answer that will be cut right away.')] });
    await h.untilListening();
    const t0 = h.clock.now();
    await h.say('Tell me something.');
    const first = firstAudioAfter(h, t0);
    expect(h.clock.now() - first).toBeLessThan(20);
    h.vad.speechStart();
    await h.settle();
    expect(h.channel.of('killAudio')).toHaveLength(1);
    h.stt.interim('No');
    await h.advance(200);
    h.vad.speechEnd();
    await h.advance(150);
    h.stt.final('No, stop.', true);
    await h.untilListening();
    expect(lastAssistant(h)).toBeUndefined();
    expect(h.observer.turns.find((t) => t.index === 1)).toMatchObject({ interrupted: true, agentText: '' });
  });

  it('false interruption (no words within the window) resumes the unheard remainder', async () => {
    const h = await startHarness({
      llm: [tokens(LONG)],
      profile: { turn: { interruption: { falseInterruptionMs: 1500 } } },
    });
    await h.untilListening();
    const t0 = h.clock.now();
    await h.say('Count for me.');
    const first = firstAudioAfter(h, t0);
    await h.advance(first + 1000 - h.clock.now());
    h.vad.speechStart(); // a cough
    await h.advance(150);
    h.vad.speechEnd();
    const killAt = h.channel.of('killAudio')[0]!.at;
    await h.advance(1490); // the window runs from the end of the cough
    expect(h.tts.utterances).toHaveLength(2);
    await h.advance(20);
    expect(h.tts.utterances).toHaveLength(3);
    const resumed = h.tts.utterances[2]!.text.trim();
    expect(resumed.length).toBeGreaterThan(0);
    expect(LONG.endsWith(resumed)).toBe(true);
    expect(h.channel.of('audio').some((a) => a.at > killAt + 1000)).toBe(true);
    await h.untilListening();
    const turn = h.observer.turns.find((t) => t.index === 1)!;
    expect(turn).toMatchObject({ interrupted: false, agentText: LONG });
    await h.say('Thanks.');
    await h.untilListening();
    expect(lastAssistant(h)).toBe(LONG);
  });

  it('a real interruption (words arrive) does not resume', async () => {
    const h = await startHarness({ llm: [tokens(LONG)] });
    await h.untilListening();
    await h.say('Count for me.');
    await h.advance(800);
    h.vad.speechStart();
    await h.advance(200);
    h.stt.interim('hold on');
    await h.advance(3000);
    expect(h.tts.utterances).toHaveLength(2);
    expect(h.observer.turns.find((t) => t.index === 1)?.interrupted).toBe(true);
  });

  it('caller speech while the agent is silent is not a barge-in', async () => {
    const h = await startHarness();
    await h.untilListening();
    h.vad.speechStart();
    await h.advance(100);
    expect(h.channel.of('killAudio')).toHaveLength(0);
  });

  it('sends playout marks at the call rate, reconciles them, and stops using them after killAudio clears one', async () => {
    const h = await startHarness({ llm: [tokens(LONG), tokens(LONG)], options: { markIntervalMs: 1000 } });
    await h.untilListening();
    await h.say('Count.');
    await h.advance(100);
    const marks = h.channel.of('mark');
    expect(marks.length).toBeGreaterThanOrEqual(2);
    h.conv.onEvent({ type: 'mark', name: marks[0]!.name, event: 'playout' });
    h.vad.speechStart();
    await h.settle();
    h.conv.onEvent({ type: 'mark', name: marks[1]!.name, event: 'cleared' });
    h.stt.interim('again');
    await h.advance(200);
    h.vad.speechEnd();
    await h.advance(150);
    h.stt.final('Again.', true);
    await h.untilListening();
    expect(h.channel.of('mark')).toHaveLength(marks.length);
  });

  it('does not send marks when playback is resampled by the media side', async () => {
    const h = await startHarness({
      llm: [tokens(LONG)],
      meta: { sampleRate: 8000, playbackSampleRate: 16000 },
    });
    await h.untilListening();
    await h.say('Count.');
    await h.untilListening();
    expect(h.channel.of('mark')).toHaveLength(0);
  });
});
