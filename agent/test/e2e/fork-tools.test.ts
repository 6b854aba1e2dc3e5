/**
 * End to end through the fork: transfer, end_call, DTMF and barge-in, with the whole agent running
 * (startAgent) against the provider fakes and the FreeSWITCH-like fork client.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ForkClient } from '../../src/testing/fork-client.js';
import { makeSpeech } from '../../src/testing/speech-fixtures.js';
import {
  e2eProfiles,
  llmMessages,
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

const GREETING = 'Hi, test desk.';
const SALES_URI = 'sip:sales@127.0.0.1:5099';

async function start(o: Partial<E2eOptions> & { utterances?: string[] }): Promise<E2e> {
  return startE2e({
    profiles: e2eProfiles({
      greeting: GREETING,
      tools: ['end_call', 'transfer_call', 'send_dtmf'],
      transferTargets: [{ name: 'sales', uri: SALES_URI, description: 'the sales team' }],
    }),
    ...o,
    script: {
      deepgram: { utterances: o.utterances ?? [] },
      cartesia: { firstByteMs: 40 },
      ...o.script,
    },
  });
}

/** Connect and wait until the greeting has played out, so caller speech is not a barge-in. */
async function callAndHearGreeting(e: E2e, callId: string): Promise<ForkClient> {
  const c = await e.call({ callId });
  await greetingPlayed(e, c);
  return c;
}

async function say(c: ForkClient, text: string): Promise<void> {
  await c.play(makeSpeech(text, 8000, 300).pcm, { sampleRate: 8000, trailingSilenceMs: 200 });
}

describe('e2e over the fork: tools, DTMF, barge-in', () => {
  it('transfer_call: a transfer command with the profile URI reaches the fork client; record ends "transferred"', async () => {
    h = await start({
      utterances: ['Put me through to sales please.'],
      script: {
        openai: {
          firstTokenMs: 50,
          replies: [
            {
              text: 'Transferring you now.',
              toolCalls: [{ name: 'transfer_call', arguments: { target: 'sales' } }],
            },
          ],
        },
      },
    });
    const callId = 'e2e-transfer';
    const c = await callAndHearGreeting(h, callId);
    await say(c, 'Put me through to sales please.');
    await c.waitFor(() => c.transfers.length > 0, 15_000, 'transfer command');
    expect(c.transfers.map((t) => t.value)).toEqual([SALES_URI]);
    const tools = (h.fakes.openai.requests[0]!.body['tools'] as { function: { name: string } }[]).map(
      (t) => t.function.name,
    );
    expect(tools).toEqual(expect.arrayContaining(['transfer_call', 'end_call']));
    // FreeSWITCH reports the REFER outcome, then the leg goes away.
    c.notify({ type: 'transferResult', ok: true, status: 200 });
    await until(() => h!.storedTurns(callId).some((t) => t.tool_calls.includes('transfer_call')), 10_000);
    await c.hangup('transferred');
    const row = await h.waitForEnd(callId);
    expect(row.end_reason).toBe('transferred');
    const turn = h.storedTurns(callId).find((t) => t.tool_calls.includes('transfer_call'))!;
    expect(JSON.parse(turn.tool_calls)[0]).toMatchObject({ name: 'transfer_call' });
    expect(JSON.parse(JSON.parse(turn.tool_calls)[0].result)).toMatchObject({ ok: true, status: 200 });
  });

  it('end_call: the goodbye plays out, then disconnect reaches the fork client; record ends "agent_hangup"', async () => {
    h = await start({
      utterances: ['That is all, thank you.'],
      script: {
        openai: {
          firstTokenMs: 50,
          replies: [{ text: 'You are welcome, goodbye!', toolCalls: [{ name: 'end_call', arguments: {} }] }],
        },
      },
    });
    const callId = 'e2e-end-call';
    const c = await callAndHearGreeting(h, callId);
    const greetingMs = c.heardMs();
    await say(c, 'That is all, thank you.');
    await c.waitFor(() => c.hangupRequests.length > 0, 15_000, 'disconnect');
    const disconnectAt = c.hangupRequests[0]!.at;
    const goodbye = h.fakes.cartesia.contexts[1]!;
    expect(goodbye.texts.join('')).toContain('goodbye');
    const goodbyeMs = (goodbye.samplesSent / goodbye.sampleRate) * 1000;
    // By the time the disconnect arrived the caller had heard (almost) all of the goodbye …
    const heardByThen = c.heard.filter((f) => f.at <= disconnectAt).reduce((n, f) => n + f.pcm.length, 0) / 8;
    expect(heardByThen - greetingMs).toBeGreaterThan(goodbyeMs - 300);
    // … so nothing much was left to play after it.
    expect(c.heard.at(-1)!.at - disconnectAt).toBeLessThan(400);
    await c.closed;
    const row = await h.waitForEnd(callId);
    expect(row.end_reason).toBe('agent_hangup');
  });

  it('DTMF from the fork client reaches the LLM as a user message', async () => {
    h = await start({
      script: { openai: { firstTokenMs: 50, replies: [{ text: 'Option four two, got it.' }] } },
    });
    const callId = 'e2e-dtmf';
    const c = await callAndHearGreeting(h, callId);
    c.sendDtmf('4');
    c.sendDtmf('2');
    c.sendDtmf('#');
    await h.fakes.openai.waitForRequests(1, 10_000);
    const msgs = llmMessages(h.fakes.openai.requests[0]!.body);
    expect(msgs.at(-1)).toEqual({ role: 'user', content: '[DTMF] 42#' });
    await until(() => h!.storedTurns(callId).length >= 2, 10_000, 'dtmf turn stored');
    expect(h.storedTurns(callId)[1]!.user_text).toBe('[DTMF] 42#');
  });

  it('barge-in mid-sentence: killAudio, playback stops, the next LLM request holds only what was heard', async () => {
    const LONG =
      'Our opening hours are from nine in the morning until six in the evening on weekdays, ' +
      'from ten until four on Saturdays, and on Sundays and public holidays we are closed all day long.';
    h = await start({
      utterances: ['What are your opening hours?', 'Stop, just tell me about Saturday.'],
      script: {
        openai: {
          firstTokenMs: 50,
          replies: [{ text: LONG }, { text: 'Ten until four.', firstTokenMs: 3000 }],
        },
      },
    });
    const callId = 'e2e-barge';
    const c = await callAndHearGreeting(h, callId);
    const greetingMs = c.heardMs();
    await say(c, 'What are your opening hours?');
    await c.waitFor(() => c.heardMs() > greetingMs + 1500, 15_000, 'reply playing');
    const interruption = say(c, 'Stop, just tell me about Saturday.');
    await c.waitFor(() => c.commands.some((x) => x.value.type === 'killAudio'), 10_000, 'killAudio');
    const killAt = c.commands.find((x) => x.value.type === 'killAudio')!.at;
    // Playback stops: nothing more heard for a good while after the kill (next reply is 3 s away).
    await new Promise((r) => setTimeout(r, 300));
    const heardAfterKill = c.heardMs();
    await new Promise((r) => setTimeout(r, 1000));
    expect(c.heardMs()).toBe(heardAfterKill);
    const replyHeardMs = heardAfterKill - greetingMs;
    const replySentMs = (h.fakes.cartesia.contexts[1]!.samplesSent / 8000) * 1000;
    expect(replyHeardMs).toBeLessThan(replySentMs - 1000);
    expect(c.heard.filter((f) => f.at > killAt + 100)).toEqual([]);

    await interruption;
    await h.fakes.openai.waitForRequests(2, 15_000);
    const msgs = llmMessages(h.fakes.openai.requests[1]!.body);
    const interrupted = msgs.at(-2)!;
    expect(msgs.at(-1)).toEqual({ role: 'user', content: 'Stop, just tell me about Saturday.' });
    expect(interrupted.role).toBe('assistant');
    expect(interrupted.content.length).toBeGreaterThan(0);
    expect(interrupted.content.length).toBeLessThan(LONG.length - 20);
    expect(LONG.startsWith(interrupted.content)).toBe(true);
    // Roughly what 55 ms per character of the fake voice allows (word cut and VAD onset make it less).
    expect(interrupted.content.length).toBeGreaterThan(replyHeardMs / 55 / 3);
    expect(interrupted.content.length).toBeLessThan(replyHeardMs / 55 + 20);
    await until(() => h!.storedTurns(callId).length >= 2, 10_000);
    const turn = h.storedTurns(callId)[1]!;
    expect(turn.interrupted).toBe(1);
    expect(turn.agent_text).toBe(interrupted.content);
  });
});
