/**
 * End to end through the fork: a Cartesia error on a reply and STT gone for good, with the whole
 * agent (startAgent) and the wire-faithful fakes. The rest of the fault matrix (LLM stalls, 429,
 * 500s, an idle Cartesia socket closed, a Deepgram drop) is in fork-fault-matrix.test.ts.
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

describe('e2e over the fork: provider failures mid-call', () => {
  it('Cartesia errors on a reply: the text is replayed in a new context, the answer is heard, the fault noted', async () => {
    h = await start({
      deepgram: { utterances: ['Tell me a story.', 'Are you there?'] },
      openai: { firstTokenMs: 50, replies: [{ text: 'Once upon a time.' }, { text: 'Yes, still here.' }] },
      // Context 0 is the greeting, 1 the first reply.
      cartesia: { firstByteMs: 40, errorOnContext: { index: 1, status: 500, message: 'synthesis failed' } },
    });
    const callId = 'e2e-cartesia-error';
    const c = await callAndHearGreeting(h, callId);
    await say(c, 'Tell me a story.');
    await until(() => h!.storedTurns(callId).length >= 2, 15_000, 'the reply recorded');
    const turn = h.storedTurns(callId)[1]!;
    expect(turn).toMatchObject({ user_text: 'Tell me a story.', agent_text: 'Once upon a time.' });
    expect(JSON.parse(turn.faults ?? '[]')).toContainEqual(expect.objectContaining({ stage: 'tts' }));
    // The failed context (1) never spoke; the text was synthesised again in the next one.
    expect(h.fakes.cartesia.contexts[1]!.samplesSent).toBe(0);
    expect(h.fakes.cartesia.contexts[2]!.texts.join('')).toContain('Once upon a time.');
    await c.waitFor(() => c.link.playout.bufferedSamples === 0, 15_000, 'answer played');
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
