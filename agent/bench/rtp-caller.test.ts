/**
 * The load generator against real peers on loopback: the bench's own echo floor, sipp's UAS with
 * RTP echo, and a far end that hangs up first. Functional checks only; no timing assertions.
 */
import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { runScript } from './call-script.js';
import { startEchoFloor, type EchoFloor } from './echo-floor.js';
import { framesFromPcm, type FixtureSet } from './fixtures.js';
import { BenchCall } from './rtp-caller.js';
import { PortPool } from './rtp-endpoint.js';
import { buildResponse, buildRequest, header, parseSip, tagOf, uriOf } from './sip-text.js';
import { SipUac } from './sip-uac.js';
import { startSippUas, type SippUas } from './sipp.js';
import { Ticker } from './ticker.js';

const HOST = '127.0.0.1';

/** 400 ms of a 300 Hz tone then 100 ms of silence: one short "utterance". */
function toneFixtures(): FixtureSet {
  const pcm = Int16Array.from({ length: 4000 }, (_, i) =>
    i < 3200 ? Math.round(8000 * Math.sin((2 * Math.PI * 300 * i) / 8000)) : 0,
  );
  const utt = framesFromPcm('tone', pcm);
  return { sentences: [utt], barge: utt };
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe('utterance framing', () => {
  it('cuts 20 ms PCMU frames and trims after the last voiced one', () => {
    const utt = toneFixtures().sentences[0]!;
    expect(utt.frames.every((f) => f.length === 160)).toBe(true);
    expect(utt.frames.length).toBe(20);
    expect(utt.voiced.every(Boolean)).toBe(true);
    expect(utt.durationMs).toBe(400);
  });
});

describe('bench caller over real SIP and RTP', () => {
  it('calls the echo floor: INVITE → 200, RTP both ways, voice-to-voice measured, BYE → 200, nothing lost', async () => {
    const floor: EchoFloor = await startEchoFloor(HOST, 25210, 25212);
    cleanups.push(() => floor.close());
    const uac = await SipUac.open(HOST, 0);
    cleanups.push(() => uac.close());
    const call = await BenchCall.dial({
      uac,
      ticker: new Ticker(),
      ports: new PortPool(25220, 25259),
      target: floor.sip,
      user: 'echo',
    });
    const result = await runScript(call, toneFixtures(), { turns: 2, expectGreeting: false, quietMs: 100 });
    await call.hangup();
    expect(call.setupMs).toBeGreaterThan(0);
    expect(call.byeMs).toBeGreaterThan(0);
    expect(result.failures).toEqual([]);
    expect(result.turns).toHaveLength(2);
    for (const t of result.turns) expect(t.voiceToVoiceMs).toBeGreaterThanOrEqual(0);
    const rep = call.report();
    expect(rep.packetsSent).toBeGreaterThan(40);
    expect(rep.loss.lost).toBe(0);
    // Everything sent came back, bar an echo still in flight when the socket closed.
    expect(floor.echoed()).toBeGreaterThanOrEqual(rep.packetsSent - 2);
    expect(rep.packetsReceived).toBeGreaterThanOrEqual(rep.packetsSent - 2);
  });

  it("calls sipp's UAS (100/180/200, RTP echo) and hangs up cleanly", async () => {
    const sipp: SippUas = await startSippUas(HOST, 25230, 25232);
    cleanups.push(() => sipp.stop());
    const uac = await SipUac.open(HOST, 0);
    cleanups.push(() => uac.close());
    const call = await BenchCall.dial({
      uac,
      ticker: new Ticker(),
      ports: new PortPool(25240, 25259),
      target: { host: HOST, port: 25230 },
      user: 'service',
    });
    const result = await runScript(call, toneFixtures(), { turns: 1, expectGreeting: false, quietMs: 100 });
    await call.hangup();
    expect(result.turns[0]?.voiceToVoiceMs).toBeGreaterThanOrEqual(0);
    expect(call.byeMs).toBeGreaterThan(0);
    expect(call.report().packetsReceived).toBeGreaterThan(10);
  });

  it('answers a BYE from the far end with 200 and ends the call', async () => {
    const uas = createSocket('udp4');
    await new Promise<void>((r) => uas.bind(25260, HOST, () => r()));
    cleanups.push(() => new Promise<void>((r) => uas.close(() => r())));
    const byeAnswer = new Promise<number>((resolve) => {
      let invite: ReturnType<typeof parseSip>;
      uas.on('message', (buf, rinfo) => {
        const m = parseSip(buf.toString())!;
        if (m.kind === 'request' && m.method === 'INVITE') {
          invite = m;
          const sdp =
            'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 25262 RTP/AVP 0\r\n';
          uas.send(
            buildResponse(m, 200, 'OK', {
              toTag: 'uas1',
              contact: `<sip:far@${HOST}:25260>`,
              body: { type: 'application/sdp', text: sdp },
            }),
            rinfo.port,
            rinfo.address,
          );
        } else if (m.kind === 'request' && m.method === 'ACK' && invite) {
          const bye = buildRequest({
            method: 'BYE',
            uri: uriOf(header(invite, 'contact'))!,
            via: `SIP/2.0/UDP ${HOST}:25260;branch=z9hG4bKfarbye`,
            from: `${header(invite, 'to')};tag=uas1`,
            to: header(invite, 'from')!,
            callId: header(invite, 'call-id')!,
            cseq: 1,
          });
          uas.send(bye, rinfo.port, rinfo.address);
        } else if (m.kind === 'response' && tagOf(header(m, 'from')) === 'uas1') {
          resolve(m.status);
        }
      });
    });
    const uac = await SipUac.open(HOST, 0);
    cleanups.push(() => uac.close());
    const call = await BenchCall.dial({
      uac,
      ticker: new Ticker(),
      ports: new PortPool(25264, 25279),
      target: { host: HOST, port: 25260 },
      user: 'far',
    });
    await expect(byeAnswer).resolves.toBe(200);
    await call.dialog.remoteBye;
    expect(call.ended).toBe(true);
    await call.hangup(); // no BYE of ours after theirs
    expect(call.byeMs).toBeUndefined();
  });

  it('reports a rejected INVITE with its status', async () => {
    const uas = createSocket('udp4');
    await new Promise<void>((r) => uas.bind(25280, HOST, () => r()));
    cleanups.push(() => new Promise<void>((r) => uas.close(() => r())));
    uas.on('message', (buf, rinfo) => {
      const m = parseSip(buf.toString())!;
      if (m.method === 'INVITE')
        uas.send(buildResponse(m, 486, 'Busy Here', { toTag: 'x' }), rinfo.port, rinfo.address);
    });
    const uac = await SipUac.open(HOST, 0);
    cleanups.push(() => uac.close());
    const dial = BenchCall.dial({
      uac,
      ticker: new Ticker(),
      ports: new PortPool(25284, 25299),
      target: { host: HOST, port: 25280 },
      user: 'busy',
    });
    await expect(dial).rejects.toMatchObject({ code: 'rejected', status: 486 });
  });
});
