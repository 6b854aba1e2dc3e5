/**
 * The fault matrix (issue 11), end to end through the real SDKs (openai, @cartesia/cartesia-js,
 * @deepgram/sdk) against the wire-faithful fakes, with the whole agent (startAgent) and a caller on
 * the fork. For each fault: the caller hears an answer or an apology within 2.5 s of the end of their
 * speech, the call goes on (the next turn is answered), and the stored turn notes the fault.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { TurnFault } from '../../src/conversation/call-record.js';
import type { DeepgramFakeConnection } from '../../src/testing/fakes/deepgram-fake.js';
import type { ForkClient } from '../../src/testing/fork-client.js';
import { makeSpeech } from '../../src/testing/speech-fixtures.js';
import {
  e2eProfiles,
  greetingPlayed,
  startE2e,
  until,
  type E2e,
  type E2eOptions,
} from '../../src/testing/e2e-harness.js';

let h: E2e | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const APOLOGY = "Sorry, I didn't catch that. Could you say it again?";
/** The issue's bound: end of the caller's speech → the first audio of an answer or apology. */
const ANSWER_WITHIN_MS = 2500;
const TAIL_MS = 200;

function start(script: E2eOptions['script']): Promise<E2e> {
  const profiles = e2eProfiles({ greeting: 'Hi, test desk.' });
  return startE2e({
    profiles,
    script: { cartesia: { firstByteMs: 40 }, ...script },
    conversation: { sttReconnectBackoffMs: 100 },
  });
}

async function callAndHearGreeting(e: E2e, callId: string): Promise<ForkClient> {
  const c = await e.call({ callId });
  await greetingPlayed(e, c);
  await c.waitFor(() => c.link.playout.bufferedSamples === 0, 10_000, 'greeting played out');
  return c;
}

/**
 * The caller says `text` and waits for the agent's first audio after it. Returns the gap from the
 * end of the caller's speech (the last speech frame sent) to the first agent frame the caller heard.
 */
async function sayAndTimeReply(c: ForkClient, text: string): Promise<number> {
  const speech = makeSpeech(text, 8000, 300);
  await c.play(speech.pcm, { sampleRate: 8000, trailingSilenceMs: TAIL_MS });
  // play() resolves when the last frame (padding and tail included) was sent: back to the last voice.
  const durationMs = (speech.pcm.length / 8000) * 1000;
  const speechEnd = c.clock.now() - TAIL_MS - (durationMs - speech.speechEndMs);
  await c.waitFor(() => c.heard.some((f) => f.at > speechEnd), 15_000, `a reply to "${text}"`);
  const gap = c.heard.find((f) => f.at > speechEnd)!.at - speechEnd;
  console.info(`reply to "${text}" heard ${gap.toFixed(0)} ms after the end of speech`);
  return gap;
}

/** The stored turn whose caller words are `userText`, once stored. */
async function storedTurn(e: E2e, callId: string, userText: string) {
  await until(
    () => e.storedTurns(callId).some((t) => t.user_text === userText),
    15_000,
    `turn "${userText}"`,
  );
  return e.storedTurns(callId).find((t) => t.user_text === userText)!;
}

const faultsOf = (t: { faults: string | null }): TurnFault[] =>
  t.faults ? (JSON.parse(t.faults) as TurnFault[]) : [];

/** The call goes on: another question is answered with the scripted text, and heard. */
async function callGoesOn(e: E2e, c: ForkClient, callId: string, question: string, answer: string) {
  await c.waitFor(() => c.link.playout.bufferedSamples === 0, 15_000, 'previous reply played out');
  const gap = await sayAndTimeReply(c, question);
  expect(gap).toBeLessThan(ANSWER_WITHIN_MS);
  expect((await storedTurn(e, callId, question)).agent_text).toBe(answer);
  expect(e.agent.activeCalls()).toBe(1);
}

/** A TCP reset of one Deepgram connection (FakeListenSession.terminate, not on the public interface). */
const resetConnection = (conn: DeepgramFakeConnection) =>
  (conn as DeepgramFakeConnection & { terminate(): void }).terminate();

describe('fault matrix over the fork (real SDKs, protocol fakes)', () => {
  it('OpenAI stalls before the first token: retried, the answer is heard in time', async () => {
    h = await start({
      deepgram: { utterances: ['What are your hours?', 'And on Sunday?'] },
      openai: {
        firstTokenMs: 50,
        replies: [
          { text: 'Never sent.', failure: { type: 'stall', afterChunks: 0 } },
          { text: 'Nine to five.' },
          { text: 'Closed on Sunday.' },
        ],
      },
    });
    const c = await callAndHearGreeting(h, 'fm-stall-first');
    const gap = await sayAndTimeReply(c, 'What are your hours?');
    expect(gap).toBeLessThan(ANSWER_WITHIN_MS);
    const turn = await storedTurn(h, 'fm-stall-first', 'What are your hours?');
    expect(turn.agent_text).toBe('Nine to five.');
    expect(faultsOf(turn)).toEqual([
      expect.objectContaining({ stage: 'llm', code: 'timeout', action: 'retried' }),
    ]);
    await callGoesOn(h, c, 'fm-stall-first', 'And on Sunday?', 'Closed on Sunday.');
  });

  it('OpenAI stalls mid-stream after a sentence: that sentence is heard in time, then the apology, and the call goes on', async () => {
    h = await start({
      deepgram: { utterances: ['Tell me about the menu.', 'Are you there?'] },
      openai: {
        firstTokenMs: 50,
        replies: [
          // The role chunk, then one chunk a word: the stall comes after "Sure, I can help with that. We".
          {
            text: 'Sure, I can help with that. We have pasta and pizza.',
            failure: { type: 'stall', afterChunks: 8 },
          },
          { text: 'Yes, still here.' },
        ],
      },
    });
    const c = await callAndHearGreeting(h, 'fm-stall-mid');
    const gap = await sayAndTimeReply(c, 'Tell me about the menu.');
    expect(gap).toBeLessThan(ANSWER_WITHIN_MS);
    const turn = await storedTurn(h, 'fm-stall-mid', 'Tell me about the menu.');
    // What the caller heard of the answer (estimated from playout, whole words), then the apology.
    expect(turn.agent_text).toMatch(
      /^Sure, I can help\b.* Sorry, I didn't catch that\. Could you say it again\?$/,
    );
    expect(turn.agent_text).not.toContain('pasta');
    expect(faultsOf(turn)).toEqual([{ stage: 'llm', code: 'timeout', action: 'apologized' }]);
    await callGoesOn(h, c, 'fm-stall-mid', 'Are you there?', 'Yes, still here.');
  });

  it('OpenAI stalls after a few words, before anything could be spoken: the apology is heard in time', async () => {
    h = await start({
      deepgram: { utterances: ['Tell me about the menu.', 'Are you there?'] },
      openai: {
        firstTokenMs: 50,
        replies: [
          { text: 'Well we have pasta and pizza.', failure: { type: 'stall', afterChunks: 3 } },
          { text: 'Yes, still here.' },
        ],
      },
    });
    const c = await callAndHearGreeting(h, 'fm-stall-early');
    const gap = await sayAndTimeReply(c, 'Tell me about the menu.');
    expect(gap).toBeLessThan(ANSWER_WITHIN_MS);
    const turn = await storedTurn(h, 'fm-stall-early', 'Tell me about the menu.');
    expect(turn.agent_text).toBe(APOLOGY);
    expect(faultsOf(turn)).toEqual([{ stage: 'llm', code: 'timeout', action: 'apologized' }]);
    await callGoesOn(h, c, 'fm-stall-early', 'Are you there?', 'Yes, still here.');
  });

  it('OpenAI answers 429, then 200: retried, the answer is heard in time', async () => {
    h = await start({
      deepgram: { utterances: ['Book a table for two.', 'Thanks.'] },
      openai: {
        firstTokenMs: 50,
        replies: [
          { failure: { type: 'status', status: 429, message: 'Rate limit reached' } },
          { text: 'Booked for two.' },
          { text: 'You are welcome.' },
        ],
      },
    });
    const c = await callAndHearGreeting(h, 'fm-429');
    const gap = await sayAndTimeReply(c, 'Book a table for two.');
    expect(gap).toBeLessThan(ANSWER_WITHIN_MS);
    const turn = await storedTurn(h, 'fm-429', 'Book a table for two.');
    expect(turn.agent_text).toBe('Booked for two.');
    expect(faultsOf(turn)).toEqual([
      expect.objectContaining({ stage: 'llm', code: 'rate_limited', action: 'retried' }),
    ]);
    expect(await h.getText('/metrics')).toMatch(
      /switchboard_provider_faults_total\{[^}]*stage="llm"[^}]*\} 1/,
    );
    await callGoesOn(h, c, 'fm-429', 'Thanks.', 'You are welcome.');
  });

  it('OpenAI keeps failing (500s): the apology is heard in time, and the call goes on', async () => {
    h = await start({
      deepgram: { utterances: ['First question.', 'Second question.'] },
      openai: { firstTokenMs: 50, replies: [], fallback: { failure: { type: 'status', status: 500 } } },
    });
    const c = await callAndHearGreeting(h, 'fm-500');
    const gap = await sayAndTimeReply(c, 'First question.');
    expect(gap).toBeLessThan(ANSWER_WITHIN_MS);
    const turn = await storedTurn(h, 'fm-500', 'First question.');
    expect(turn.agent_text).toBe(APOLOGY);
    expect(faultsOf(turn).at(-1)).toEqual({ stage: 'llm', code: 'server_error', action: 'apologized' });
    h.fakes.openai.setScript({ firstTokenMs: 50, replies: [{ text: 'Here is the second answer.' }] });
    await callGoesOn(h, c, 'fm-500', 'Second question.', 'Here is the second answer.');
  });

  it('Cartesia closes the socket while idle: reopened, the next answer is spoken (not an apology) in time', async () => {
    h = await start({
      deepgram: { utterances: ['Where are you?', 'Thanks.'] },
      openai: { firstTokenMs: 50, replies: [{ text: 'On the high street.' }, { text: 'Bye now.' }] },
      cartesia: { firstByteMs: 40, closeIdleAfterMs: 300 },
    });
    const c = await callAndHearGreeting(h, 'fm-tts-idle');
    await until(() => h!.fakes.cartesia.connectionCount >= 1, 5000);
    await new Promise((r) => setTimeout(r, 600)); // idle past closeIdleAfterMs: the vendor drops it
    const gap = await sayAndTimeReply(c, 'Where are you?');
    expect(gap).toBeLessThan(ANSWER_WITHIN_MS);
    const turn = await storedTurn(h, 'fm-tts-idle', 'Where are you?');
    expect(turn.agent_text).toBe('On the high street.');
    expect(h.fakes.cartesia.connectionCount).toBeGreaterThanOrEqual(2);
    expect(h.storedTurns('fm-tts-idle').flatMap(faultsOf)).toContainEqual(
      expect.objectContaining({ stage: 'tts', code: 'closed', action: 'reconnected' }),
    );
    await callGoesOn(h, c, 'fm-tts-idle', 'Thanks.', 'Bye now.');
  });

  it('Deepgram drops mid-utterance: reconnected with the audio replayed, the answer is heard in time', async () => {
    h = await start({
      // Deepgram hands out a transcript per utterance it hears: the dropped connection heard the
      // start of it, the new one hears it whole (replayed), then the next question.
      deepgram: { utterances: ['Can you hear me now?', 'Can you hear me now?', 'Good.'] },
      openai: { firstTokenMs: 50, replies: [{ text: 'Yes, I hear you.' }, { text: 'Great.' }] },
    });
    const c = await callAndHearGreeting(h, 'fm-stt-drop');
    const speaking = sayAndTimeReply(c, 'Can you hear me now?');
    const dg = h.fakes.deepgram.connections[0]!;
    await until(() => dg.sent.some((m) => m.type === 'Results'), 10_000, 'first interim');
    resetConnection(dg); // mid-utterance
    const gap = await speaking;
    expect(gap).toBeLessThan(ANSWER_WITHIN_MS);
    expect(h.fakes.deepgram.connections.length).toBeGreaterThanOrEqual(2);
    const turn = await storedTurn(h, 'fm-stt-drop', 'Can you hear me now?');
    expect(turn.agent_text).toBe('Yes, I hear you.');
    expect(h.storedTurns('fm-stt-drop').flatMap(faultsOf)).toContainEqual(
      expect.objectContaining({ stage: 'stt', action: 'reconnected' }),
    );
    await callGoesOn(h, c, 'fm-stt-drop', 'Good.', 'Great.');
  });
});
