import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../providers/errors.js';
import { startHarness, type Harness } from '../testing/conversation-harness.js';
import { tokens } from '../testing/memory-providers.js';

const APOLOGY = "Sorry, I didn't catch that. Could you say it again?";

function captureLogs(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n'))
        if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}

/** The caller says `text` (VAD, an interim, the final 150 ms after); returns when their speech ended. */
async function speak(h: Harness, text: string): Promise<number> {
  h.vad.speechStart();
  await h.advance(300);
  h.stt.interim(text);
  await h.advance(300);
  h.vad.speechEnd();
  const end = h.clock.now();
  await h.advance(150);
  h.stt.final(text, true);
  await h.settle();
  return end;
}

describe('Conversation: provider failures', () => {
  it('LLM error mid-turn: spoken apology, logged with callId, the call goes on', async () => {
    const { logger, lines } = captureLogs();
    const h = await startHarness({
      logger,
      llm: [
        [...tokens('Let me'), { error: new ProviderError('llm', 'server_error', 'HTTP 500', true) }],
        tokens('Second answer.'),
      ],
    });
    await h.untilListening();
    await h.say('First question.');
    await h.untilListening();
    expect(h.tts.spoken().at(-1)).toBe(APOLOGY);
    expect(h.observer.events).toContainEqual({ type: 'error', stage: 'llm', code: 'server_error' });
    const err = lines.find((l) => l.msg === 'LLM failed mid-turn; apologising');
    expect(err).toMatchObject({ callId: 'call-1' });
    await h.say('Second question.');
    await h.untilListening();
    expect(h.tts.spoken().at(-1)).toBe('Second answer.');
  });

  it('LLM that never answers: retried within the budget, the apology plays within 2 s of the end of speech', async () => {
    const h = await startHarness({
      llm: [[{ hang: true }], [{ hang: true }], [{ hang: true }]],
      profile: { llm: { attemptTimeoutMs: 800 } },
    });
    await h.untilListening();
    const end = await speak(h, 'Hello?');
    for (let i = 0; i < 400 && h.tts.spoken().at(-1) !== APOLOGY; i++) await h.advance(10);
    expect(h.tts.spoken().at(-1)).toBe(APOLOGY);
    const apologyAudio = h.channel.of('audio').find((a) => a.at > end)!.at;
    expect(apologyAudio - end).toBeGreaterThan(1500);
    expect(apologyAudio - end).toBeLessThanOrEqual(2000 + 20);
    expect(h.llm.requests.length).toBeGreaterThanOrEqual(2);
    expect(h.llm.aborted).toBe(h.llm.requests.length);
    expect(h.observer.events).toContainEqual({ type: 'error', stage: 'llm', code: 'timeout' });
    await h.untilListening();
    const turn = h.observer.turns.find((t) => t.userText === 'Hello?')!;
    expect(turn.faults).toEqual([
      { stage: 'llm', code: 'timeout', action: 'retried', route: 'scripted-llm:primary:gpt-4o-mini' },
      expect.objectContaining({ stage: 'llm', code: 'timeout', action: 'gave_up' }),
      { stage: 'llm', code: 'timeout', action: 'apologized' },
    ]);
  });

  it('TTS failure mid-reply: reconnects once and apologises on the new connection', async () => {
    const h = await startHarness({ llm: [tokens('This reply will break halfway through, sadly.')] });
    await h.untilListening();
    h.tts.failNext = {
      afterChunks: 2,
      error: new ProviderError('tts', 'server_error', 'context failed', true),
    };
    await h.say('Talk to me.');
    await h.untilListening();
    expect(h.tts.connects).toHaveLength(2);
    expect(h.tts.closedConnections).toBe(1);
    expect(h.tts.spoken().at(-1)).toBe(APOLOGY);
    expect(h.observer.events).toContainEqual({ type: 'error', stage: 'tts', code: 'server_error' });
  });

  it('TTS silent (no audio in time) counts as a failure', async () => {
    const h = await startHarness({ options: { timeouts: { ttsFirstAudioMs: 1000 } } });
    await h.untilListening();
    h.tts.failNext = 'silent';
    await h.say('Anyone there?');
    await h.advance(1100);
    expect(h.tts.connects).toHaveLength(2);
    expect(h.tts.spoken().at(-1)).toBe(APOLOGY);
  });

  it('TTS down for good: the apology cannot be spoken, it is logged, and the call goes on', async () => {
    const { logger, lines } = captureLogs();
    const h = await startHarness({ logger, llm: [tokens('Broken.'), tokens('Working again.')] });
    await h.untilListening();
    h.tts.dropConnections();
    h.tts.failConnects = 100;
    await h.say('Hi.');
    await h.untilListening();
    h.tts.failConnects = 0;
    expect(
      lines.some((l) => l.msg === 'TTS is down; the apology cannot be spoken' && l.callId === 'call-1'),
    ).toBe(true);
    expect(h.channel.of('hangup')).toEqual([]);
    await h.say('Hello again.');
    await h.untilListening();
    expect(h.tts.spoken().at(-1)).toBe('Working again.');
  });

  it('STT stream breaks mid-utterance: reconnects at once, replays the audio, the turn is answered', async () => {
    const h = await startHarness({ llm: [tokens('Got it.')] });
    await h.untilListening();
    h.vad.speechStart();
    for (let i = 0; i < 15; i++) h.conv.onAudio(new Int16Array(160)); // 300 ms of the caller
    h.stt.interim('I want to');
    await h.advance(100);
    h.stt.breakStream();
    await h.settle();
    expect(h.stt.streams).toHaveLength(2); // no backoff after a stream that worked
    expect(h.stt.current.pushedSamples).toBe(15 * 160); // what the caller said was replayed
    h.vad.speechEnd();
    await h.advance(150);
    h.stt.final('I want to book.', true);
    await h.advance(500); // the end-of-turn wait
    await h.untilListening();
    expect(h.tts.spoken()).not.toContain(APOLOGY);
    expect(h.llm.requests[0]!.messages.at(-1)).toEqual({ role: 'user', content: 'I want to book.' });
    const turn = h.observer.turns.find((t) => t.userText === 'I want to book.')!;
    expect(turn.faults).toEqual([{ stage: 'stt', code: 'closed', action: 'reconnected' }]);
  });

  it('STT breaks mid-utterance and the new stream brings no turn: the apology, 1.5 s after the speech', async () => {
    const h = await startHarness();
    await h.untilListening();
    h.vad.speechStart();
    h.stt.interim('I want to');
    await h.advance(100);
    h.stt.breakStream();
    await h.advance(200);
    h.vad.speechEnd();
    const end = h.clock.now();
    await h.advance(1400);
    expect(h.tts.spoken()).not.toContain(APOLOGY);
    await h.advance(200);
    expect(h.tts.spoken().at(-1)).toBe(APOLOGY);
    expect(h.channel.of('audio').at(-1)!.at - end).toBeLessThan(1600);
    await h.untilListening();
    await h.say('I want to book.');
    await h.untilListening();
    expect(h.llm.requests[0]!.messages.at(-1)).toEqual({ role: 'user', content: 'I want to book.' });
  });

  it('STT gone for good: polite goodbye after bounded retries, then hangup with stt_failed', async () => {
    const h = await startHarness({ options: { sttReconnectAttempts: 3, sttReconnectBackoffMs: 100 } });
    await h.untilListening();
    h.stt.failConnects = 100;
    h.stt.breakStream();
    await h.advance(2000);
    expect(h.stt.streams).toHaveLength(1);
    expect(h.tts.spoken().at(-1)).toBe(
      "I'm sorry, I'm having trouble hearing you. Please call back later. Goodbye.",
    );
    for (let i = 0; i < 1000 && h.channel.of('hangup').length === 0; i++) await h.advance(10);
    expect(h.channel.of('hangup').map((c) => c.reason)).toEqual(['stt_failed']);
    expect(100 - h.stt.failConnects).toBe(2); // one broken stream + two failed reconnects = 3 attempts
    await h.conv.close('caller_hangup');
    expect(h.observer.ended?.reason).toBe('stt_failed');
  });

  it('close() is idempotent, cascades aborts, does not wait on a stuck LLM, and reports the last turn', async () => {
    const h = await startHarness({ llm: [[{ hang: true }]] });
    await h.untilListening();
    await h.say('Are you there?');
    expect(h.conv.agentState).toBe('thinking');
    const a = h.conv.close('caller_hangup');
    const b = h.conv.close('shutdown');
    expect(a).toBe(b);
    await h.settle();
    await a;
    expect(h.llm.aborted).toBe(1);
    expect(h.observer.ended).toMatchObject({ callId: 'call-1', reason: 'caller_hangup' });
    expect(h.observer.turns.at(-1)).toMatchObject({ userText: 'Are you there?', interrupted: true });
    expect(h.observer.states().at(-1)).toBe('ended');
    const samples = h.stt.pushedSamples;
    h.conv.onAudio(new Int16Array(160));
    expect(h.stt.pushedSamples).toBe(samples);
    expect(h.stt.current.closed).toBe(true);
  });
});
