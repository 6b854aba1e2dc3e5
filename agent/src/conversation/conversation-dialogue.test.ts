import { describe, expect, it } from 'vitest';
import { startHarness } from '../testing/conversation-harness.js';
import { tokens } from '../testing/memory-providers.js';
import { tone } from '../testing/memory-providers.js';

describe('Conversation: greeting and dialogue', () => {
  it('reports the call, connects STT and TTS at the call rates, and speaks the greeting', async () => {
    const h = await startHarness({ meta: { sampleRate: 16000, playbackSampleRate: 8000 } });
    expect(h.observer.started).toMatchObject({
      callId: 'call-1',
      profile: 'test',
      from: '+15550001111',
      to: '7000',
    });
    expect(h.stt.streams).toHaveLength(1);
    expect(h.stt.current.options.sampleRate).toBe(16000);
    expect(h.tts.connects[0]!.sampleRate).toBe(8000);
    expect(h.tts.spoken()).toEqual(['Hello there.']);
    expect(h.channel.audioSamples).toBeGreaterThan(0);
    expect(h.observer.states()).toEqual(['listening', 'speaking']);
    await h.untilListening();
    expect(h.observer.states().at(-1)).toBe('listening');
    expect(h.observer.turns[0]).toMatchObject({
      index: 0,
      userText: '',
      agentText: 'Hello there.',
      interrupted: false,
    });
    // 12 characters at 60 ms each, sent at once; the turn completes when it has played out.
    expect(h.channel.audioMs()).toBeCloseTo(720, 0);
    expect(h.clock.now()).toBeGreaterThanOrEqual(720);
  });

  it('sends caller audio to both the VAD and the STT', async () => {
    const h = await startHarness();
    for (let i = 0; i < 5; i++) h.conv.onAudio(tone(160, 8000));
    h.conv.onAudio(tone(333, 8000));
    expect(h.vad.pushedSamples).toBe(1133);
    expect(h.stt.pushedSamples).toBe(1133);
  });

  it('holds a two-turn dialogue with per-call history and plausible timings', async () => {
    const h = await startHarness({
      tts: { ttfbMs: 100 },
      llm: [
        [{ delayMs: 300 }, ...tokens('We are open from nine to five. Anything else?')],
        [{ delayMs: 300 }, ...tokens('Goodbye then.')],
      ],
    });
    await h.untilListening();
    await h.say('What are your opening hours?');
    await h.untilListening();
    await h.say('No thanks.');
    await h.untilListening();

    expect(h.tts.spoken()).toEqual([
      'Hello there.',
      'We are open from nine to five. Anything else?',
      'Goodbye then.',
    ]);
    const second = h.llm.requests[1]!.messages;
    expect(second).toEqual([
      { role: 'system', content: 'You are a test agent.' },
      { role: 'assistant', content: 'Hello there.' },
      { role: 'user', content: 'What are your opening hours?' },
      { role: 'assistant', content: 'We are open from nine to five. Anything else?' },
      { role: 'user', content: 'No thanks.' },
    ]);
    expect(h.llm.requests[0]!.tools).toEqual(['end_call', 'transfer_call', 'send_dtmf']);
    const [, t1, t2] = h.observer.turns;
    expect(t1).toMatchObject({ index: 1, userText: 'What are your opening hours?', interrupted: false });
    expect(t1!.agentText).toBe('We are open from nine to five. Anything else?');
    expect(t2!.userText).toBe('No thanks.');
    // VAD end → final 150 ms later: a complete question, so the LLM starts then (preemptively) and
    // the turn ends at the 300 ms minimum delay; first token 300 ms after the LLM started → TTS 100 ms.
    expect(t1!.timings.endOfUtteranceDelayMs).toBeCloseTo(300, -1);
    expect(t1!.timings.sttDelayMs).toBeCloseTo(150, -1);
    expect(t1!.timings.llmTtftMs).toBeCloseTo(300, -1);
    expect(t1!.timings.ttsTtfbMs).toBeCloseTo(100, -1);
    expect(t1!.timings.voiceToVoiceMs).toBeCloseTo(150 + 300 + 100, -1);
    expect(t1!.preemptive).toBe('used');
    expect(h.llm.requests).toHaveLength(2);
    expect(h.observer.events).toContainEqual({
      type: 'transcript',
      role: 'user',
      text: 'What',
      final: false,
    });
    expect(h.observer.states()).toContain('thinking');
  });

  it('cuts streamed text at clauses and sentences, one TTS utterance per reply', async () => {
    const text =
      'Sure, I can help with that, and also with the other thing you mentioned earlier today. Then we are done';
    const h = await startHarness({ llm: [tokens(text)] });
    await h.untilListening();
    await h.say('Help me.');
    await h.untilListening();
    const reply = h.tts.utterances[1]!;
    expect(reply.texts.map((t) => t.trim())).toEqual([
      'Sure, I can help',
      'with that, and also with the other thing you mentioned earlier today.',
      'Then we are done',
    ]);
    expect(h.tts.utterances).toHaveLength(2);
  });

  it('ignores empty and noise-only turns', async () => {
    const h = await startHarness();
    await h.untilListening();
    await h.say('');
    h.vad.speechStart();
    await h.advance(100);
    h.vad.speechEnd();
    await h.advance(1000);
    h.stt.final('...', true);
    await h.advance(100);
    expect(h.llm.requests).toHaveLength(0);
  });

  it('ends a turn on VAD silence with a pending final and asks the STT to finalize', async () => {
    const h = await startHarness({ profile: { turn: { detector: 'silence', minEndpointingDelayMs: 400 } } });
    await h.untilListening();
    h.vad.speechStart();
    await h.advance(300);
    h.stt.final('I need a taxi', false);
    await h.advance(50);
    h.vad.speechEnd();
    await h.advance(390);
    expect(h.llm.requests).toHaveLength(0);
    await h.advance(20);
    expect(h.llm.requests).toHaveLength(1);
    expect(h.stt.finalizeCount).toBe(1);
    expect(h.llm.requests[0]!.messages.at(-1)).toEqual({ role: 'user', content: 'I need a taxi' });
  });

  it('on VAD silence with only interim words, finalizes and waits for the STT final', async () => {
    const h = await startHarness({ profile: { turn: { detector: 'silence', minEndpointingDelayMs: 300 } } });
    await h.untilListening();
    h.stt.onFinalize = (s) =>
      s.emit({
        type: 'transcript',
        text: 'book a table',
        isFinal: true,
        speechFinal: false,
        fromFinalize: true,
      });
    h.vad.speechStart();
    h.stt.interim('book a');
    await h.advance(300);
    h.vad.speechEnd();
    await h.advance(320);
    expect(h.stt.finalizeCount).toBe(1);
    expect(h.llm.requests[0]!.messages.at(-1)).toEqual({ role: 'user', content: 'book a table' });
  });

  it('sends DTMF from the caller to the LLM as a batched user event', async () => {
    const h = await startHarness({ options: { dtmfBatchMs: 800 } });
    await h.untilListening();
    h.conv.onEvent({ type: 'dtmf', digit: '1' });
    h.conv.onEvent({ type: 'dtmf', digit: '2' });
    await h.advance(500);
    expect(h.llm.requests).toHaveLength(0);
    h.conv.onEvent({ type: 'dtmf', digit: '#' });
    await h.settle();
    expect(h.llm.requests[0]!.messages.at(-1)).toEqual({ role: 'user', content: '[DTMF] 12#' });
    h.conv.onEvent({ type: 'dtmf', digit: '5' });
    await h.advance(810);
    expect(h.llm.requests[1]!.messages.at(-1)).toEqual({ role: 'user', content: '[DTMF] 5' });
    expect(
      h.observer.events.filter((e) => e.type === 'dtmf').map((e) => (e as { digit: string }).digit),
    ).toEqual(['1', '2', '#', '5']);
  });
});
