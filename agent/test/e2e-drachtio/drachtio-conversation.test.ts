/**
 * The production path end to end, with the real drachtio-srf and drachtio-fsmrf: sipp (and an RTP
 * peer the test owns) → drachtio-server → the agent's drachtio app → FreeSWITCH → mod_audio_fork
 * WebSocket → the agent's conversation → the provider fakes, and back. drachtio-server and FreeSWITCH
 * are the wire-faithful fakes unless the environment names real ones (drachtio-stack.ts).
 * sipp local SIP ports 16411–16419, Kamailio (the PBX) on 16420.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { e2eProfiles, llmMessages, rmsOf, type E2eOptions } from '../../src/testing/e2e-harness.js';
import { startKamailio, type Kamailio } from '../../src/testing/kamailio.js';
import { makeSpeech } from '../../src/testing/speech-fixtures.js';
import { inviteRejectedScenario } from '../../src/telephony/drachtio/testing/sipp.js';
import { runSipp } from '../../src/testing/sipp.js';
import { RtpPeer } from '../e2e/rtp-peer.js';
import { killRunningSipp, runSippCall, type SippResult, type SippRunOptions } from '../e2e/sipp-e2e.js';
import {
  REAL_FREESWITCH,
  STACK_NAME,
  startDrachtioStack,
  until,
  untilAsync,
  waitReady,
  type DrachtioStack,
} from './drachtio-stack.js';

const SALES = 'sip:sales@127.0.0.1:16499';

let stack: DrachtioStack | undefined;
let peers: RtpPeer[] = [];
let pbx: Kamailio | undefined;
afterEach(async () => {
  killRunningSipp();
  for (const p of peers) p.close();
  peers = [];
  await stack?.stop();
  stack = undefined;
  await pbx?.stop();
  pbx = undefined;
});

function start(script: E2eOptions['script'], extra: Partial<E2eOptions> = {}): Promise<DrachtioStack> {
  return startDrachtioStack({
    profiles: e2eProfiles({
      greeting: 'Hello from the agent on FreeSWITCH.',
      transferTargets: [{ name: 'sales', uri: SALES }],
    }),
    ...extra,
    script: { cartesia: { firstByteMs: 40 }, ...script },
  });
}

async function peer(): Promise<RtpPeer> {
  const p = await RtpPeer.open();
  peers.push(p);
  return p;
}

/** sipp's local SIP port: 16411–16417 in turn (a port is free again once its sipp exited). */
let portTurn = 0;
function sipp(
  o: Pick<SippRunOptions, 'spec'> & { timeoutMs?: number; service?: string },
): Promise<SippResult> {
  return runSippCall({
    target: stack!.sipTarget,
    transport: 'udp',
    localPort: 16411 + (portTurn % 7),
    mediaPort: 16430 + 10 * (portTurn++ % 7),
    timeoutMs: o.timeoutMs ?? 45_000,
    ...o,
  });
}

const loud = <T extends { pcm: Int16Array }>(frames: T[]): T[] => frames.filter((f) => rmsOf(f.pcm) > 300);

/** Wait until TTS context `n` was synthesised and that much loud audio reached the caller's RTP. */
async function heardContext(p: RtpPeer, n: number, before: number): Promise<number> {
  const c = stack!.e2e.fakes.cartesia;
  await until(() => c.contexts[n]?.done === true, 20_000, `TTS context ${n}`);
  const ms = (c.contexts[n]!.samplesSent / c.contexts[n]!.sampleRate) * 1000;
  await until(() => (loud(p.received).length - before) * 20 >= ms - 300, 20_000, `context ${n} heard`);
  await new Promise((r) => setTimeout(r, 300));
  return loud(p.received).length;
}

function callIdOf(run: SippResult): string {
  return /^Call-ID: *(\S+)/im.exec(run.messages)?.[1] ?? '';
}

describe(`a conversation through ${STACK_NAME}`, () => {
  it('greeting, two turns, DTMF both ways and end_call: heard by the caller, recorded under the SIP Call-ID', async () => {
    const FIRST = 'I would like to check my order.';
    const SECOND = 'Thank you, that is all.';
    stack = await start({
      deepgram: { utterances: [FIRST, SECOND] },
      openai: {
        firstTokenMs: 50,
        replies: [
          { text: 'Sure. What is your order number?' },
          { text: 'One moment.', toolCalls: [{ name: 'send_dtmf', arguments: { digits: '7' } }] },
          { text: 'I pressed seven on the line for you.' },
          { text: 'Goodbye, and thanks for calling!', toolCalls: [{ name: 'end_call', arguments: {} }] },
        ],
      },
    });
    const p = await peer();
    const call = sipp({ spec: { rtpPort: p.port, ending: { kind: 'agent-bye', timeoutMs: 40_000 } } });
    await until(() => p.remote !== undefined, 10_000, 'agent RTP');
    let heard = await heardContext(p, 0, 0);
    await p.play(makeSpeech(FIRST, 8000, 300).pcm);
    heard = await heardContext(p, 1, heard);
    await p.sendDtmf('42#');
    await until(() => p.dtmfReceived.length > 0, 15_000, 'DTMF from the agent');
    heard = await heardContext(p, 3, heard);
    await p.play(makeSpeech(SECOND, 8000, 300).pcm);
    const run = await call;
    expect(run.code, run.stdout + run.errors).toBe(0);

    const e = stack.e2e;
    const asked = e.fakes.openai.requests.map((r) => llmMessages(r.body).at(-1)!.content);
    expect(asked).toContain(FIRST);
    expect(asked).toContain('[DTMF] 42#');
    expect(asked).toContain(SECOND);
    expect(p.dtmfReceived).toEqual(['7']);
    // The goodbye was spoken before the BYE: the caller heard (most of) the last TTS context.
    const goodbye = e.fakes.cartesia.contexts.at(-1)!;
    const goodbyeMs = (goodbye.samplesSent / goodbye.sampleRate) * 1000;
    expect((loud(p.received).length - heard) * 20).toBeGreaterThan(goodbyeMs - 300);
    expect(run.messages).toMatch(/^BYE sip:sipp@/m);

    const callId = callIdOf(run);
    const row = await e.waitForEnd(callId);
    expect(row).toMatchObject({
      call_id: callId,
      end_reason: 'agent_hangup',
      profile: 'e2e',
      to_addr: '7000',
    });
    const turns = e.storedTurns(callId);
    expect(turns.length).toBeGreaterThanOrEqual(4);
    expect(turns.at(-1)!.interrupted).toBe(0);
    if (!REAL_FREESWITCH) {
      const fs = stack.freeswitch!;
      const fork = fs.forks().at(-1)!;
      expect(fork).toMatchObject({ bugname: 'switchboard', sampling: 8000, writeReplace: true });
      expect(JSON.parse(fork.metadata!)).toMatchObject({ callId, source: 'drachtio' });
    }
  }, 90_000);

  it('barge-in: caller speech silences the agent at the caller and the turn is recorded as interrupted', async () => {
    stack = await start({
      deepgram: { utterances: ['Tell me about your opening hours.', 'Wait, stop please.'] },
      openai: {
        firstTokenMs: 50,
        replies: [
          {
            text:
              'We are open every weekday from nine in the morning until six in the evening, on Saturdays ' +
              'from ten until four, and on Sundays we are closed, except for the weeks before the holidays.',
          },
          { text: 'Of course, I will stop.' },
        ],
      },
    });
    const p = await peer();
    const call = sipp({ spec: { rtpPort: p.port, ending: { kind: 'caller-bye', afterMs: 14_000 } } });
    await until(() => p.remote !== undefined, 10_000, 'agent RTP');
    const heard = await heardContext(p, 0, 0);
    await p.play(makeSpeech('Tell me about your opening hours.', 8000, 300).pcm);
    await until(() => loud(p.received).length - heard > 50, 15_000, 'the long reply playing');
    const onset = performance.now();
    const speaking = p.play(makeSpeech('Wait, stop please.', 8000, 0).pcm);
    await speaking;
    const run = await call;
    expect(run.code, run.stdout + run.errors).toBe(0);
    // Agent audio of the long reply that reached the caller after the caller started speaking.
    const reply = stack.e2e.fakes.cartesia.contexts[1]!;
    const afterOnset = loud(p.received).filter((f) => f.at > onset && f.at < onset + 1500);
    expect(afterOnset.length * 20).toBeLessThan(600);
    expect(reply.cancelled || !reply.done).toBe(true);
    const callId = callIdOf(run);
    await stack.e2e.waitForEnd(callId);
    const turns = stack.e2e.storedTurns(callId);
    expect(turns.some((t) => t.interrupted === 1)).toBe(true);
  }, 90_000);

  it('transfer_call: REFER to the profile target, 202 + NOTIFY 200, the call ends as transferred', async () => {
    stack = await start({
      deepgram: { utterances: ['Please put me through to sales.'] },
      openai: {
        firstTokenMs: 50,
        replies: [
          {
            text: 'Transferring you now.',
            toolCalls: [{ name: 'transfer_call', arguments: { target: 'sales' } }],
          },
        ],
      },
    });
    const p = await peer();
    const call = sipp({
      spec: { rtpPort: p.port, ending: { kind: 'refer', referTo: `<${SALES}>`, timeoutMs: 30_000 } },
    });
    await until(() => p.remote !== undefined, 10_000, 'agent RTP');
    const heard = await heardContext(p, 0, 0);
    await p.play(makeSpeech('Please put me through to sales.', 8000, 300).pcm);
    const run = await call;
    expect(run.code, run.stdout + run.errors).toBe(0);
    expect(run.messages).toMatch(/^Refer-To: <sip:sales@127\.0\.0\.1:16499>/im);
    expect(run.messages).toMatch(/^Referred-By: .*sip:7000@/im);
    // "Transferring you now." reached the caller before the REFER took the call away.
    const phrase = stack.e2e.fakes.cartesia.contexts[1]!;
    const phraseMs = (phrase.samplesSent / phrase.sampleRate) * 1000;
    expect((loud(p.received).length - heard) * 20).toBeGreaterThan(phraseMs - 300);
    const row = await stack.e2e.waitForEnd(callIdOf(run));
    expect(row.end_reason).toBe('transferred');
  }, 90_000);

  it('three concurrent calls keep three distinct call ids, records and forks', async () => {
    stack = await start({ deepgram: { utterances: [] }, openai: { replies: [] } });
    const runs = await Promise.all(
      [0, 1, 2].map(async () => {
        const p = await peer();
        return sipp({ spec: { rtpPort: p.port, ending: { kind: 'caller-bye', afterMs: 4000 } } });
      }),
    );
    for (const run of runs) expect(run.code, run.stdout + run.errors).toBe(0);
    const ids = runs.map(callIdOf);
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) expect((await stack.e2e.waitForEnd(id)).end_reason).toBe('caller_hangup');
    await until(() => stack!.e2e.agent.activeCalls() === 0, 10_000, 'forks closed');
    await untilAsync(
      async () => /; calls: 0$/.test((await stack!.readiness()).detail),
      10_000,
      'no calls left',
    );
    if (!REAL_FREESWITCH)
      expect(new Set(stack.freeswitch!.forks().map((f) => JSON.parse(f.metadata!).callId))).toEqual(
        new Set(ids),
      );
  }, 90_000);
});

describe(`SIP edges through ${STACK_NAME}`, () => {
  it('an offer with no codec FreeSWITCH takes gets 488 from it, passed through (not 503)', async () => {
    stack = await start({});
    const run = await runSipp({
      scenario: {
        xml: inviteRejectedScenario(488)
          .replace('RTP/AVP 0 8 101', 'RTP/AVP 18 101')
          .replace(/a=rtpmap:0 PCMU\/8000\s+a=rtpmap:8 PCMA\/8000/, 'a=rtpmap:18 G729/8000'),
      },
      target: stack.sipTarget,
      transport: 'udp',
      localPort: 16419,
      timeoutMs: 10_000,
    });
    expect(run.code, run.output + run.errors).toBe(0);
    expect(run.messages).toMatch(/SIP\/2\.0 488/);
    expect(stack.e2e.storedCalls()).toEqual([]);
    expect((await stack.readiness()).ready).toBe(true);
  }, 60_000);

  it.skipIf(REAL_FREESWITCH)(
    'a FreeSWITCH that refuses calls while its event socket stays up is marked down at once; it comes back',
    async () => {
      stack = await start({});
      stack.freeswitch!.setShuttingDown(true);
      const refused = await runSipp({
        scenario: { xml: inviteRejectedScenario(503) },
        target: stack.sipTarget,
        transport: 'udp',
        localPort: 16419,
        timeoutMs: 10_000,
      });
      expect(refused.code, refused.output + refused.errors).toBe(0);
      const down = await stack.readiness();
      expect(down.ready).toBe(false);
      expect(down.detail).toMatch(/refused a call: 503/);
      stack.freeswitch!.setShuttingDown(false);
      await waitReady(stack);
      const p = await peer();
      const run = await sipp({ spec: { rtpPort: p.port, ending: { kind: 'caller-bye', afterMs: 2000 } } });
      expect(run.code, run.stdout + run.errors).toBe(0);
      expect((await stack.e2e.waitForEnd(callIdOf(run))).end_reason).toBe('caller_hangup');
    },
    60_000,
  );

  it.skipIf(Boolean(process.env.DRACHTIO_HOST))(
    'drachtio-server restarts: srf reconnects by itself and the next call is answered',
    async () => {
      stack = await start({});
      stack.drachtio!.dropClients();
      await untilAsync(async () => !(await stack!.readiness()).ready, 5000, 'not ready after the drop').catch(
        () => undefined,
      );
      await waitReady(stack, 15_000);
      const p = await peer();
      const run = await sipp({ spec: { rtpPort: p.port, ending: { kind: 'caller-bye', afterMs: 2000 } } });
      expect(run.code, run.stdout + run.errors).toBe(0);
    },
    60_000,
  );

  it('registers to a PBX (Kamailio) through drachtio, and a call the PBX sends to that extension reaches the agent', async () => {
    const PBX_PORT = 16420;
    pbx = await startKamailio({ port: PBX_PORT, user: '7001', password: 'pbx-ext-password' });
    const profiles = {
      ...e2eProfiles({ greeting: 'Hello from the agent behind the PBX.' }),
      registrations: [
        { registrar: `sip:127.0.0.1:${PBX_PORT}`, user: '7001', password: 'pbx-ext-password', expires: 60 },
      ],
    };
    stack = await startDrachtioStack({ profiles, script: { cartesia: { firstByteMs: 40 } } });
    await untilAsync(
      async () => /7001@sip:127\.0\.0\.1:16420: registered/.test((await stack!.readiness()).detail),
      10_000,
      'registered',
    ).catch(async (err: Error) => {
      throw new Error(`${err.message}: ${(await stack!.readiness()).detail}\n${pbx!.log().slice(-3000)}`);
    });
    expect(pbx.log()).toMatch(/PBX saved 7001/);
    const p = await peer();
    const run = await runSippCall({
      target: `127.0.0.1:${PBX_PORT}`,
      transport: 'udp',
      localPort: 16418,
      mediaPort: 16480,
      service: '7001',
      timeoutMs: 30_000,
      spec: { rtpPort: p.port, ending: { kind: 'caller-bye', afterMs: 5000 } },
    });
    expect(run.code, run.stdout + run.errors).toBe(0);
    expect(loud(p.received).length).toBeGreaterThan(10);
    const row = await stack.e2e.waitForEnd(callIdOf(run));
    expect(row).toMatchObject({ end_reason: 'caller_hangup', profile: 'e2e' });
  }, 60_000);
});
