/**
 * An outbound call answered by a voicemail box, end to end: POST /api/calls on the whole agent
 * (embedded gateway on 127.0.0.1:17310, RTP 27400–27439), a sipp callee on 17311 whose SDP points at
 * a Node RTP peer that plays a generated voicemail greeting with its beep (the answer-detection set's
 * espeak-ng + sox recording vm-beep-1), the provider fakes behind the real SDKs. The agent classifies
 * the answer, then per the profile's policy leaves its message after the beep and hangs up — or hangs
 * up at once. The record says outbound, answered, voicemail, what was done, its latency, who hung up.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ANSWER_SET } from '../../bench/answer-detection/answer-set.js';
import { renderRecording } from '../../bench/answer-detection/answer-audio.js';
import {
  e2eProfiles,
  llmMessages,
  rmsOf,
  startE2e,
  until,
  type E2e,
  type E2eOptions,
} from '../../src/testing/e2e-harness.js';
import { makeSpeech } from '../../src/testing/speech-fixtures.js';
import { runSipp, killRunningSipp } from '../../src/testing/sipp.js';
import { RtpPeer } from './rtp-peer.js';

const SIP_PORT = 17310;
const CALLEE_PORT = 17311;
const TOKEN = 'e2e-outbound-token-0123456789';
const MESSAGE = 'Hello, this is the clinic. Your appointment is tomorrow at three. Goodbye.';
const GREETING = ANSWER_SET.find((r) => r.id === 'vm-beep-1')!;

let h: E2e | undefined;
let peer: RtpPeer | undefined;
afterEach(async () => {
  killRunningSipp();
  peer?.close();
  peer = undefined;
  await h?.stop();
  h = undefined;
});

/** The callee: answers with SDP for the Node RTP peer, then waits for the agent's BYE. */
const calleeXml = (rtpPort: number) => `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="uas-voicemail">
  <recv request="INVITE" crlf="true"/>
  <send retrans="500"><![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:voicemail@[local_ip]:[local_port]>
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=vm 1 1 IN IP4 127.0.0.1
      s=-
      c=IN IP4 127.0.0.1
      t=0 0
      m=audio ${rtpPort} RTP/AVP 0
      a=rtpmap:0 PCMU/8000
      a=sendrecv
    ]]></send>
  <recv request="ACK" crlf="true"/>
  <recv request="BYE" timeout="40000"/>
  <send><![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]></send>
</scenario>
`;

async function start(
  voicemail: Record<string, unknown>,
  script: E2eOptions['script'] = { deepgram: { utterances: [GREETING.parts.join(' ')] } },
): Promise<E2e> {
  const base = e2eProfiles({});
  const profile = {
    ...(base.profiles as Record<string, unknown>[])[0]!,
    systemPrompt: 'You call {{name}} to confirm an appointment.',
    answerDetection: { voicemail },
  };
  return startE2e({
    sip: { port: SIP_PORT, rtpPorts: '27400-27439', transports: 'udp' },
    profiles: {
      ...base,
      profiles: [profile],
      trunks: [
        { name: 'loopback-callee', sources: ['127.0.0.1/32'] },
        { name: 'carrier', outbound: { uri: `sip:127.0.0.1:${CALLEE_PORT}`, allow: ['+1555'] } },
      ],
    },
    script: { ...script, cartesia: { firstByteMs: 40 } },
    env: { SWITCHBOARD_API_TOKEN: TOKEN },
  });
}

async function placeCall(e: E2e): Promise<string> {
  const res = await fetch(new URL('/api/calls', e.agent.httpUrl), {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      to: '+15551234567',
      profile: 'e2e',
      trunk: 'carrier',
      variables: { name: 'Ada' },
    }),
    signal: AbortSignal.timeout(5000),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { callId: string }).callId;
}

describe('outbound call answered by voicemail (sipp callee, generated greeting with a beep)', () => {
  it('leave_message: the agent waits for the beep, speaks the message, then hangs up', async () => {
    const recording = await renderRecording(GREETING);
    h = await start({ action: 'leave_message', message: MESSAGE });
    peer = await RtpPeer.open();
    const uas = runSipp({
      scenario: { xml: calleeXml(peer.port) },
      target: `127.0.0.1:${SIP_PORT}`,
      transport: 'udp',
      localPort: CALLEE_PORT,
      timeoutMs: 45_000,
    });
    await new Promise((r) => setTimeout(r, 300));
    const callId = await placeCall(h);
    await until(() => peer!.remote !== undefined, 10_000, 'agent RTP');
    const playStart = performance.now();
    await peer.play(recording.pcm);
    const run = await uas;
    expect(run.code, run.output + run.errors).toBe(0);
    expect(run.messages).toMatch(/^BYE sip:voicemail@127\.0\.0\.1/m);

    // The message was synthesised and heard after the beep; the LLM was never asked anything.
    const ctx = h.fakes.cartesia.contexts;
    expect(ctx).toHaveLength(1);
    expect(ctx[0]!.texts.join('')).toContain(MESSAGE);
    expect(h.fakes.openai.requests).toHaveLength(0);
    const beepEnd = playStart + recording.beep!.endMs;
    const afterBeep = peer.received.filter((p) => p.at >= beepEnd && rmsOf(p.pcm) > 300);
    const messageMs = (ctx[0]!.samplesSent / ctx[0]!.sampleRate) * 1000;
    expect(afterBeep.length * 20).toBeGreaterThan(messageMs - 400);
    expect(peer.received.filter((p) => p.at < beepEnd && rmsOf(p.pcm) > 300)).toHaveLength(0);

    const row = await h.waitForEnd(callId);
    expect(row).toMatchObject({
      direction: 'outbound',
      outcome: 'answered',
      answer_kind: 'voicemail',
      answer_action: 'leave_message',
      hangup_by: 'agent',
    });
    expect(row.answer_latency_ms).toBeGreaterThan(0);
    expect(row.answer_latency_ms).toBeLessThan(recording.beep!.endMs + 2000);
  }, 60_000);

  it('hang_up: the agent hangs up on the machine without a word', async () => {
    const recording = await renderRecording(GREETING);
    h = await start({ action: 'hang_up' });
    peer = await RtpPeer.open();
    const uas = runSipp({
      scenario: { xml: calleeXml(peer.port) },
      target: `127.0.0.1:${SIP_PORT}`,
      transport: 'udp',
      localPort: CALLEE_PORT,
      timeoutMs: 45_000,
    });
    await new Promise((r) => setTimeout(r, 300));
    const callId = await placeCall(h);
    await until(() => peer!.remote !== undefined, 10_000, 'agent RTP');
    void peer.play(recording.pcm).catch(() => undefined);
    const run = await uas;
    expect(run.code, run.output + run.errors).toBe(0);
    expect(h.fakes.cartesia.contexts).toHaveLength(0);
    expect(h.fakes.openai.requests).toHaveLength(0);
    const row = await h.waitForEnd(callId);
    expect(row).toMatchObject({ answer_kind: 'voicemail', answer_action: 'hang_up', hangup_by: 'agent' });
  }, 60_000);

  it('a person: the agent says nothing until the "hello?", then answers it with the variables in its prompt', async () => {
    const REPLY = 'Hi Ada, this is the clinic calling about your appointment. Goodbye.';
    h = await start(
      { action: 'hang_up' },
      {
        // The gate's own STT hears the hello first, then the conversation hears it replayed.
        deepgram: { utterances: ['Hello?', 'Hello?'] },
        openai: {
          firstTokenMs: 50,
          replies: [{ text: REPLY, toolCalls: [{ name: 'end_call', arguments: {} }] }],
        },
      },
    );
    peer = await RtpPeer.open();
    const uas = runSipp({
      scenario: { xml: calleeXml(peer.port) },
      target: `127.0.0.1:${SIP_PORT}`,
      transport: 'udp',
      localPort: CALLEE_PORT,
      timeoutMs: 45_000,
    });
    await new Promise((r) => setTimeout(r, 300));
    const callId = await placeCall(h);
    await until(() => peer!.remote !== undefined, 10_000, 'agent RTP');
    const hello = makeSpeech('Hello?', 8000, 300).pcm;
    const playStart = performance.now();
    await peer.play(hello);
    const helloEnd = playStart + (hello.length / 8000) * 1000;
    const run = await uas;
    expect(run.code, run.output + run.errors).toBe(0);

    const messages = llmMessages(h.fakes.openai.requests[0]!.body);
    expect(messages[0]!.content).toContain('You call Ada to confirm an appointment.');
    expect(messages.at(-1)).toEqual({ role: 'user', content: 'Hello?' });
    expect(h.fakes.cartesia.contexts.map((c) => c.texts.join(''))).toEqual([
      expect.stringContaining('Hi Ada'),
    ]);
    const loud = peer.received.filter((p) => rmsOf(p.pcm) > 300);
    expect(loud.length).toBeGreaterThan(10);
    expect(loud[0]!.at).toBeGreaterThan(helloEnd); // no greeting over the callee's hello
    const row = await h.waitForEnd(callId);
    expect(row).toMatchObject({ answer_kind: 'human', answer_action: 'converse', outcome: 'answered' });
    expect(row.hangup_by).toBe('agent');
  }, 60_000);
});
