/**
 * End to end through the fork (no SIP): the fork client plays FreeSWITCH, the whole agent runs as
 * startAgent() starts it, and the providers are the wire-faithful fakes driven through the real SDKs.
 * Greeting, a two-turn dialogue with records and timings, /metrics, and the live events stream.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { makeSpeech } from '../../src/testing/speech-fixtures.js';
import {
  greetingPlayed,
  llmMessages,
  readSse,
  rmsOf,
  startE2e,
  until,
  type E2e,
} from '../../src/testing/e2e-harness.js';

let h: E2e | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const GREETING = 'Hello, you are through to the test desk.';
const FIRST = 'I would like to book a table for two.';
const SECOND = 'Tomorrow at eight please.';

function script() {
  return {
    deepgram: { utterances: [FIRST, SECOND] },
    openai: {
      firstTokenMs: 50,
      replies: [{ text: 'Sure, for which day and time?' }, { text: 'Done, see you tomorrow at eight.' }],
    },
    cartesia: { firstByteMs: 40 },
  };
}

const profiles = {
  defaultProfile: 'desk',
  profiles: [{ name: 'desk', systemPrompt: 'You are the e2e desk.', greeting: GREETING, routes: ['7000'] }],
};

describe('e2e over the fork: greeting and dialogue', () => {
  it('the caller hears the greeting (non-silent audio) and the Cartesia fake got its text', async () => {
    h = await startE2e({ script: script(), profiles });
    const c = await h.call({ callId: 'e2e-greet' });
    await c.waitFor(() => c.heardMs() > 800, 10_000, 'greeting audio');
    expect(rmsOf(c.heardPcm())).toBeGreaterThan(500);
    expect(h.fakes.cartesia.contexts[0]!.texts.join('')).toContain('test desk');
    expect(h.fakes.cartesia.contexts[0]!.sampleRate).toBe(8000);
  });

  it('two turns: STT hears the espeak speech, the LLM sees the history, SQLite and the API hold both turns', async () => {
    h = await startE2e({ script: script(), profiles });
    const callId = 'e2e-dialogue';
    const c = await h.call({ callId, from: '+15551230000' });
    // Let the greeting play out, then speak.
    await greetingPlayed(h, c);
    await c.play(makeSpeech(FIRST, 8000, 300).pcm, { sampleRate: 8000, trailingSilenceMs: 200 });
    await h.fakes.openai.waitForRequests(1, 10_000);
    const heardBeforeReply = c.heardMs();
    await c.waitFor(() => c.heardMs() > heardBeforeReply + 500, 10_000, 'first reply audio');
    await until(() => h!.storedTurns(callId).length >= 2, 15_000, 'first turn stored');
    await c.waitFor(() => c.link.playout.bufferedSamples === 0, 15_000, 'first reply played');
    await c.play(makeSpeech(SECOND, 8000, 300).pcm, { sampleRate: 8000, trailingSilenceMs: 200 });
    await h.fakes.openai.waitForRequests(2, 10_000);
    await until(() => h!.storedTurns(callId).length >= 3, 15_000, 'second turn stored');

    // The fake Deepgram heard real speech on one connection.
    const dg = h.fakes.deepgram.connections[0]!;
    expect(dg.speechMs).toBeGreaterThan(800);
    expect(dg.finals).toBe(2);
    // The LLM's second request carries the whole conversation so far.
    const second = llmMessages(h.fakes.openai.requests[1]!.body);
    expect(second[0]).toEqual({ role: 'system', content: 'You are the e2e desk.' });
    expect(second.slice(1)).toEqual([
      { role: 'assistant', content: GREETING },
      { role: 'user', content: FIRST },
      { role: 'assistant', content: 'Sure, for which day and time?' },
      { role: 'user', content: SECOND },
    ]);

    await c.hangup('caller_hangup');
    const row = await h.waitForEnd(callId);
    expect(row).toMatchObject({ from_addr: '+15551230000', to_addr: '7000', profile: 'desk' });
    expect(row.end_reason).toBe('caller_hangup');
    const turns = h.storedTurns(callId);
    expect(turns.map((t) => [t.user_text, t.agent_text])).toEqual([
      ['', GREETING],
      [FIRST, 'Sure, for which day and time?'],
      [SECOND, 'Done, see you tomorrow at eight.'],
    ]);
    for (const t of turns.slice(1)) {
      expect(t.interrupted).toBe(0);
      expect(t.llm_ttft_ms).toBeGreaterThan(40);
      expect(t.tts_ttfb_ms).toBeGreaterThan(30);
      expect(t.voice_to_voice_ms).toBeGreaterThan(t.llm_ttft_ms!);
    }
    const api = await h.getJson<{
      call: { endReason: string; turns: { userText: string; timings: Record<string, number> }[] };
    }>(`/api/calls/${callId}`);
    expect(api.status).toBe(200);
    expect(api.body.call.turns.map((t) => t.userText)).toEqual(['', FIRST, SECOND]);
    expect(api.body.call.turns[2]!.timings.voiceToVoiceMs).toBeGreaterThan(0);
  });

  it('live events (SSE) of a call in progress show transcript and state; /metrics counts the turn', async () => {
    h = await startE2e({ script: script(), profiles });
    const callId = 'e2e-live';
    const c = await h.call({ callId });
    await greetingPlayed(h, c);
    const sse = await readSse(new URL(`/api/calls/${callId}/events`, h.agent.httpUrl).href);
    try {
      await c.play(makeSpeech(FIRST, 8000, 300).pcm, { sampleRate: 8000, trailingSilenceMs: 200 });
      await until(() => h!.storedTurns(callId).length >= 2, 15_000, 'turn stored');
      await until(() => sse.events.some((e) => e.type === 'turn'), 10_000, 'turn event');
      expect(sse.events[0]).toMatchObject({ type: 'call', call: { callId, to: '7000' } });
      expect(sse.events).toContainEqual(
        expect.objectContaining({ type: 'transcript', role: 'user', text: FIRST, final: true }),
      );
      const states = sse.events.filter((e) => e.type === 'state').map((e) => e.state);
      expect(states).toEqual(expect.arrayContaining(['thinking', 'speaking', 'listening']));
      expect(states.indexOf('thinking')).toBeLessThan(states.lastIndexOf('speaking'));
      await c.hangup('caller_hangup');
      await sse.ended;
      expect(sse.events.at(-1)).toEqual({ type: 'end', reason: 'call_ended' });
    } finally {
      sse.close();
    }
    const metrics = await h.getText('/metrics');
    const count = (name: string) =>
      Number(new RegExp(`^${name}_count(?:\\{[^}]*\\})? (\\d+)`, 'm').exec(metrics)?.[1] ?? NaN);
    // Greeting + one dialogue turn; the dialogue turn has every timing.
    expect(count('switchboard_turn_voice_to_voice_seconds')).toBeGreaterThanOrEqual(1);
    expect(count('switchboard_turn_llm_ttft_seconds')).toBe(1);
    expect(count('switchboard_turn_stt_delay_seconds')).toBeGreaterThanOrEqual(1);
  });
});
