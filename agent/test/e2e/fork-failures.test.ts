/**
 * End to end through the fork: each provider failing mid-call (Deepgram drop, OpenAI 500, Cartesia
 * error, STT gone for good), with the whole agent (startAgent) and the wire-faithful fakes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { DeepgramFakeConnection } from '../../src/testing/fakes/deepgram-fake.js';
import type { ForkClient } from '../../src/testing/fork-client.js';
import { makeSpeech } from '../../src/testing/speech-fixtures.js';
import {
  e2eProfiles,
  startE2e,
  until,
  type E2e,
  type E2eOptions,
  greetingPlayed,
} from '../../src/testing/e2e-harness.js';

let h: E2e | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const APOLOGY = "Sorry, I didn't catch that. Could you say it again?";
const GOODBYE = "I'm sorry, I'm having trouble hearing you. Please call back later. Goodbye.";

function start(script: E2eOptions['script']): Promise<E2e> {
  return startE2e({
    profiles: e2eProfiles({ greeting: 'Hi, test desk.' }),
    script: { cartesia: { firstByteMs: 40 }, ...script },
    conversation: { sttReconnectBackoffMs: 100 },
  });
}

async function callAndHearGreeting(e: E2e, callId: string): Promise<ForkClient> {
  const c = await e.call({ callId });
  await greetingPlayed(e, c);
  return c;
}

const say = (c: ForkClient, text: string) =>
  c.play(makeSpeech(text, 8000, 300).pcm, { sampleRate: 8000, trailingSilenceMs: 200 });

/** A TCP reset of one Deepgram connection (FakeListenSession.terminate, not on the public interface). */
const resetConnection = (conn: DeepgramFakeConnection) =>
  (conn as DeepgramFakeConnection & { terminate(): void }).terminate();

/** Index of the first Cartesia context whose text contains `needle`. */
const contextWith = (e: E2e, needle: string) =>
  e.fakes.cartesia.contexts.findIndex((x) => x.texts.join('').includes(needle));

/** The caller heard audio synthesised for the context with `needle` (audio after it was created). */
async function apologyHeard(e: E2e, c: ForkClient, needle: string): Promise<void> {
  await until(() => contextWith(e, needle) >= 0, 15_000, `"${needle}" synthesised`);
  const before = c.heardMs();
  await c.waitFor(() => c.heardMs() > before + 500, 10_000, `"${needle}" heard`);
}

describe('e2e over the fork: provider failures mid-call', () => {
  it('Deepgram connection drops mid-utterance: apology heard, STT reconnects, the next turn works', async () => {
    h = await start({
      deepgram: { utterances: ['Can you hear me now?'], loop: true },
      openai: { firstTokenMs: 50, fallback: { text: 'Yes, I hear you.' }, replies: [] },
    });
    const callId = 'e2e-dg-drop';
    const c = await callAndHearGreeting(h, callId);
    const speaking = say(c, 'Can you hear me now, I am calling about my order.');
    const dg = h.fakes.deepgram.connections[0]!;
    await until(() => dg.sent.some((m) => m.type === 'Results'), 10_000, 'first interim');
    resetConnection(dg); // mid-utterance
    await apologyHeard(h, c, APOLOGY);
    await speaking;
    await h.fakes.deepgram.waitForConnections(2, 10_000);
    await until(() => h!.fakes.openai.requests.length >= 1, 15_000, 'a turn after reconnecting');
    await c.waitFor(() => c.link.playout.bufferedSamples === 0 && c.heardMs() > 0, 15_000);
    const before = h.fakes.openai.requests.length;
    await say(c, 'Can you hear me now?');
    await h.fakes.openai.waitForRequests(before + 1, 15_000);
    expect(h.agent.activeCalls()).toBe(1);
    await c.hangup('caller_hangup');
    expect((await h.waitForEnd(callId)).end_reason).toBe('caller_hangup');
  });

  it('OpenAI answers 500: apology heard, the next turn gets a real answer', async () => {
    h = await start({
      deepgram: { utterances: ['First question.', 'Second question.'] },
      openai: {
        firstTokenMs: 50,
        replies: [{ failure: { type: 'status', status: 500 } }, { text: 'Here is the second answer.' }],
      },
    });
    const callId = 'e2e-openai-500';
    const c = await callAndHearGreeting(h, callId);
    await say(c, 'First question.');
    await apologyHeard(h, c, APOLOGY);
    await c.waitFor(() => c.link.playout.bufferedSamples === 0, 15_000, 'apology played');
    await until(() => h!.storedTurns(callId).length >= 2, 10_000);
    await say(c, 'Second question.');
    await until(() => contextWith(h!, 'second answer') >= 0, 15_000, 'second answer synthesised');
    await until(() => h!.storedTurns(callId).length >= 3, 15_000);
    const turns = h.storedTurns(callId);
    expect(turns[1]).toMatchObject({ user_text: 'First question.', agent_text: APOLOGY });
    expect(turns[2]).toMatchObject({
      user_text: 'Second question.',
      agent_text: 'Here is the second answer.',
    });
    const metrics = await h.getText('/metrics');
    expect(metrics).toMatch(/switchboard_provider_errors_total\{[^}]*stage="llm"[^}]*\} 1/);
  });

  it('Cartesia errors on a reply: TTS reconnects, apology heard, the call goes on', async () => {
    h = await start({
      deepgram: { utterances: ['Tell me a story.', 'Are you there?'] },
      openai: { firstTokenMs: 50, replies: [{ text: 'Once upon a time.' }, { text: 'Yes, still here.' }] },
      // Context 0 is the greeting, 1 the first reply.
      cartesia: { firstByteMs: 40, errorOnContext: { index: 1, status: 500, message: 'synthesis failed' } },
    });
    const callId = 'e2e-cartesia-error';
    const c = await callAndHearGreeting(h, callId);
    await say(c, 'Tell me a story.');
    await apologyHeard(h, c, APOLOGY);
    expect(h.fakes.cartesia.connectionCount).toBe(2);
    await c.waitFor(() => c.link.playout.bufferedSamples === 0, 15_000, 'apology played');
    await until(() => h!.storedTurns(callId).length >= 2, 10_000);
    await say(c, 'Are you there?');
    await until(() => contextWith(h!, 'still here') >= 0, 15_000, 'second reply synthesised');
    expect(h.agent.activeCalls()).toBe(1);
  });

  it('STT gone for good: goodbye heard, then disconnect; the record ends "stt_failed"', async () => {
    h = await start({ deepgram: { utterances: [] }, openai: { replies: [] } });
    const callId = 'e2e-stt-gone';
    const c = await callAndHearGreeting(h, callId);
    h.fakes.deepgram.script.refuseStatus = 503;
    resetConnection(h.fakes.deepgram.connections[0]!);
    await c.waitFor(() => c.hangupRequests.length > 0, 20_000, 'disconnect');
    const goodbye = contextWith(h, 'trouble hearing you');
    expect(h.fakes.cartesia.contexts[goodbye]!.texts.join('').trim()).toBe(GOODBYE);
    const goodbyeMs = (h.fakes.cartesia.contexts[goodbye]!.samplesSent / 8000) * 1000;
    const disconnectAt = c.hangupRequests[0]!.at;
    const heardBefore = c.heard.filter((f) => f.at <= disconnectAt).reduce((n, f) => n + f.pcm.length, 0) / 8;
    expect(heardBefore).toBeGreaterThan(goodbyeMs);
    expect(h.fakes.deepgram.attempts).toBeGreaterThanOrEqual(3);
    await c.closed;
    const row = await h.waitForEnd(callId);
    expect(row.end_reason).toBe('stt_failed');
  });
});
