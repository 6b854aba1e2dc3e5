/**
 * End to end through SIP with real sipp peers: the whole agent (startAgent, embedded gateway on
 * 127.0.0.1:17060, RTP 27000–27199) against the provider fakes. Caller audio in, agent audio out,
 * RFC 2833 DTMF, a REFER observed by the peer, CANCEL, caller BYE and agent BYE with their records.
 * sipp local SIP ports 17061–17069, sipp media ports 28000–28099.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { makeSpeech } from '../../src/testing/speech-fixtures.js';
import {
  e2eProfiles,
  llmMessages,
  rmsOf,
  startE2e,
  until,
  type E2e,
  type E2eOptions,
} from '../../src/testing/e2e-harness.js';
import { RtpPeer } from './rtp-peer.js';
import { killRunningSipp, runSippCall, type SippRunOptions } from './sipp-e2e.js';

const SIP_PORT = 17060;
const SALES = 'sip:sales@127.0.0.1:17099';
const PCAPS = '/usr/share/sip-tester';

let h: E2e | undefined;
let peer: RtpPeer | undefined;
afterEach(async () => {
  killRunningSipp();
  peer?.close();
  peer = undefined;
  await h?.stop();
  h = undefined;
});

function start(script: E2eOptions['script'], env: Record<string, string> = {}): Promise<E2e> {
  return startE2e({
    sip: { port: SIP_PORT, rtpPorts: '27000-27199' },
    profiles: e2eProfiles({
      greeting: 'Hello from the agent.',
      transferTargets: [{ name: 'sales', uri: SALES }],
    }),
    script: { cartesia: { firstByteMs: 40 }, ...script },
    env,
  });
}

let nextMediaPort = 28000;
function sipp(o: Pick<SippRunOptions, 'spec' | 'transport'> & { timeoutMs?: number }) {
  nextMediaPort += 10;
  return runSippCall({
    target: `127.0.0.1:${SIP_PORT}`,
    localPort: o.transport === 'udp' ? 17061 : 17062,
    mediaPort: nextMediaPort,
    timeoutMs: o.timeoutMs ?? 40_000,
    ...o,
  });
}

/** The only call of this agent, once it ended (its SIP-side id is the gateway's). */
async function endedCall(e: E2e) {
  await until(() => e.storedCalls().length === 1 && !!e.storedCalls()[0]!.end_reason, 15_000, 'call record');
  return e.storedCalls()[0]!;
}

/** Audio in 20 ms frames that is not silence. */
const loudFrames = (frames: { pcm: Int16Array }[]) => frames.filter((f) => rmsOf(f.pcm) > 300);

describe.each(['udp', 'tcp'] as const)(
  'sipp over %s, RTP both ways (caller RTP on a Node socket)',
  (transport) => {
    it('the fake STT hears the caller, the caller receives the agent TTS audio, agent BYE ends it', async () => {
      const SAID = 'I need help with my booking.';
      h = await start({
        deepgram: { utterances: [SAID] },
        openai: {
          firstTokenMs: 50,
          replies: [
            { text: 'Of course, happy to help. Goodbye!', toolCalls: [{ name: 'end_call', arguments: {} }] },
          ],
        },
      });
      peer = await RtpPeer.open();
      const call = sipp({
        transport,
        spec: { rtpPort: peer.port, ending: { kind: 'agent-bye', timeoutMs: 30_000 } },
      });
      await until(() => peer!.remote !== undefined, 10_000, 'agent RTP');
      // Let the greeting play out before speaking (otherwise the caller barges in).
      await until(() => h!.fakes.cartesia.contexts[0]?.done === true, 10_000, 'greeting synthesised');
      const greetingMs = (h.fakes.cartesia.contexts[0]!.samplesSent / 8000) * 1000;
      await until(() => loudFrames(peer!.received).length * 20 >= greetingMs - 200, 15_000, 'greeting heard');
      await new Promise((r) => setTimeout(r, 400));
      const heardGreeting = loudFrames(peer.received).length;
      await peer.play(makeSpeech(SAID, 8000, 300).pcm);
      const run = await call;
      expect(run.code, run.stdout + run.errors).toBe(0);

      const dg = h.fakes.deepgram.connections[0]!;
      expect(dg.sampleRate).toBe(8000);
      expect(dg.speechMs).toBeGreaterThan(800);
      expect(llmMessages(h.fakes.openai.requests[0]!.body).at(-1)).toEqual({ role: 'user', content: SAID });
      // The agent's audio, decoded from RTP at the caller's port: greeting, then the reply.
      expect(heardGreeting * 20).toBeGreaterThan(greetingMs - 300);
      expect(rmsOf(peer.receivedPcm())).toBeGreaterThan(300);
      const replyMs = (h.fakes.cartesia.contexts[1]!.samplesSent / 8000) * 1000;
      expect((loudFrames(peer.received).length - heardGreeting) * 20).toBeGreaterThan(replyMs - 300);
      expect(peer.received.every((r) => r.payloadType === 0)).toBe(true);
      expect(run.messages).toMatch(/^BYE sip:sipp@127\.0\.0\.1/m);
      expect((await endedCall(h)).end_reason).toBe('agent_hangup');
    }, 60_000);
  },
);

describe('delayed offer: an INVITE without SDP, RTP both ways', () => {
  it('the agent offers in its 200 OK; the ACK answers PCMA, and PCMA flows both ways', async () => {
    const SAID = 'Is anyone there?';
    h = await start({
      deepgram: { utterances: [SAID] },
      openai: { firstTokenMs: 50, fallback: { text: 'Yes, I am here.' }, replies: [] },
    });
    peer = await RtpPeer.open();
    const call = sipp({
      transport: 'udp',
      spec: {
        rtpPort: peer.port,
        payloads: '8 101',
        delayedOffer: true,
        ending: { kind: 'caller-bye', afterMs: 9000 },
      },
    });
    await until(() => peer!.remote !== undefined, 10_000, 'agent RTP');
    await until(() => h!.fakes.cartesia.contexts[0]?.done === true, 10_000, 'greeting synthesised');
    await until(() => loudFrames(peer!.received).length > 20, 10_000, 'greeting heard');
    await peer.play(makeSpeech(SAID, 8000, 300).pcm, 'PCMA');
    const run = await call;
    expect(run.code, run.stdout + run.errors).toBe(0);
    expect(run.messages).toMatch(/^m=audio \d+ RTP\/AVP 0 8 101/m); // our offer in the 200 OK
    expect(peer.received.length).toBeGreaterThan(0);
    expect(peer.received.every((r) => r.payloadType === 8)).toBe(true);
    expect(h.fakes.deepgram.connections[0]!.speechMs).toBeGreaterThan(500);
    expect(llmMessages(h.fakes.openai.requests[0]!.body).at(-1)).toEqual({ role: 'user', content: SAID });
    expect((await endedCall(h)).end_reason).toBe('caller_hangup');
  }, 60_000);
});

describe('sipp with its own media (pcap)', () => {
  it('PCMA speech from g711a.pcap reaches the fake STT; caller BYE ends the record', async () => {
    h = await start({
      deepgram: { utterances: ['This is the sipp sample.'], loop: true },
      openai: { firstTokenMs: 50, fallback: { text: 'Thanks.' }, replies: [] },
    });
    const run = await sipp({
      transport: 'udp',
      spec: {
        rtpPort: '[media_port]',
        payloads: '8 101',
        pcaps: [{ file: `${PCAPS}/g711a.pcap`, pauseAfterMs: 8000 }],
        ending: { kind: 'caller-bye', afterMs: 1500 },
      },
    });
    expect(run.code, run.stdout + run.errors).toBe(0);
    const speechMs = h.fakes.deepgram.connections.reduce((n, c) => n + c.speechMs, 0);
    expect(speechMs).toBeGreaterThan(1500);
    expect(h.fakes.openai.requests.length).toBeGreaterThan(0);
    expect(llmMessages(h.fakes.openai.requests[0]!.body).at(-1)!.content).toBe('This is the sipp sample.');
    expect((await endedCall(h)).end_reason).toBe('caller_hangup');
  }, 60_000);

  it('RFC 2833 DTMF from pcaps reaches the conversation: the LLM requests hold the digits, batched', async () => {
    h = await start({ openai: { firstTokenMs: 50, fallback: { text: 'Got your digits.' }, replies: [] } });
    const pcap = (d: string) => ({ file: `${PCAPS}/dtmf_2833_${d}.pcap`, pauseAfterMs: 400 });
    const run = await sipp({
      transport: 'udp',
      spec: {
        rtpPort: '[media_port]',
        pcaps: [{ ...pcap('4'), pauseAfterMs: 2500 }, pcap('2'), pcap('pound')],
        ending: { kind: 'caller-bye', afterMs: 3000 },
      },
    });
    expect(run.code, run.stdout + run.errors).toBe(0);
    const dtmf = h.fakes.openai.requests
      .map((r) => llmMessages(r.body).at(-1)!.content)
      .filter((c) => c.startsWith('[DTMF]'));
    // '4', then a pause longer than the batching window; then '2' and '#', which ends a batch at once.
    expect(dtmf).toEqual(['[DTMF] 4', '[DTMF] 2#']);
  }, 60_000);
});

describe('transfer and hangups seen by sipp', () => {
  it('transfer_call becomes a REFER (Refer-To the profile target, Referred-By us), 202 + NOTIFY 200, then BYE', async () => {
    h = await start({
      openai: {
        firstTokenMs: 50,
        replies: [
          {
            text: 'Transferring you.',
            toolCalls: [{ name: 'transfer_call', arguments: { target: 'sales' } }],
          },
        ],
      },
    });
    const run = await sipp({
      transport: 'udp',
      spec: {
        rtpPort: '[media_port]',
        pcaps: [{ file: `${PCAPS}/dtmf_2833_pound.pcap`, pauseAfterMs: 100 }],
        ending: { kind: 'refer', referTo: `<${SALES}>`, timeoutMs: 20_000 },
      },
    });
    expect(run.code, run.stdout + run.errors).toBe(0);
    expect(run.messages).toMatch(/^REFER sip:sipp@/m);
    expect(run.messages).toMatch(/^Refer-To: <sip:sales@127\.0\.0\.1:17099>/im);
    expect(run.messages).toMatch(/^Referred-By: .*sip:7000@/im);
    const row = await endedCall(h);
    expect(row.end_reason).toBe('transferred');
    const turn = h.storedTurns(row.call_id).find((t) => t.tool_calls.includes('transfer_call'))!;
    expect(JSON.parse(JSON.parse(turn.tool_calls)[0].result)).toMatchObject({ ok: true, status: 200 });
  }, 60_000);

  it('RTP inactivity (backstop): a caller that sends no RTP is hung up with a BYE; the record ends "media_timeout"', async () => {
    h = await start({}, { SWITCHBOARD_RTP_TIMEOUT_S: '1' });
    peer = await RtpPeer.open(); // receives the agent's audio, never sends any
    const run = await sipp({
      transport: 'udp',
      spec: { rtpPort: peer.port, ending: { kind: 'agent-bye', timeoutMs: 15_000 } },
    });
    expect(run.code, run.stdout + run.errors).toBe(0);
    expect(run.messages).toMatch(/^BYE sip:sipp@127\.0\.0\.1/m);
    expect((await endedCall(h)).end_reason).toBe('media_timeout');
  }, 60_000);

  it('CANCEL before answer: 487, no conversation starts (no call record, no provider connection)', async () => {
    h = await start({}, { SWITCHBOARD_SIP_RING_MS: '3000' });
    const run = await sipp({
      transport: 'udp',
      spec: { rtpPort: '[media_port]', ending: { kind: 'cancel' } },
    });
    expect(run.code, run.stdout + run.errors).toBe(0);
    expect(run.messages).toMatch(/SIP\/2\.0 487/);
    await new Promise((r) => setTimeout(r, 3500)); // past the would-be answer
    expect(h.storedCalls()).toEqual([]);
    expect(h.fakes.deepgram.attempts).toBe(0);
    expect(h.agent.activeCalls()).toBe(0);
  }, 60_000);

  it('caller BYE over TCP mid-greeting: the record ends with the caller hangup', async () => {
    h = await start({});
    const run = await sipp({
      transport: 'tcp',
      spec: { rtpPort: '[media_port]', ending: { kind: 'caller-bye', afterMs: 1500 } },
    });
    expect(run.code, run.stdout + run.errors).toBe(0);
    const row = await endedCall(h);
    expect(row).toMatchObject({ from_addr: 'sipp', to_addr: '7000', profile: 'e2e' });
    expect(row.end_reason).toBe('caller_hangup');
    await until(() => h!.agent.activeCalls() === 0, 5000, 'fork closed');
  }, 60_000);
});
