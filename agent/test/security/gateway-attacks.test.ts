/**
 * The embedded gateway attacked the way issue 15 found it could be: from another machine on the network
 * (a second network namespace joined by a veth pair, addresses 198.18.0.2–6), never from loopback, with
 * loopback trust off (SWITCHBOARD_SIP_TRUST_LOOPBACK=false). The whole agent runs (startAgent, provider
 * fakes); an honest phone on loopback is trusted only as a configured trunk source. Each case asserts
 * that honest calls go on, that nothing the attacker sends is admitted, and that memory stays bounded.
 *
 * The file re-runs itself inside a namespace of its own (loopback-netns.ts), where it creates the
 * attacker's namespace; the host's interfaces are never touched. Ports: SIP 17160 (udp/tcp), 17168 (ws),
 * RTP 27300–27339.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Attacker, ATTACKER_ADDRESSES, VICTIM_ADDRESS } from '../../src/testing/attacker/attacker-netns.js';
import { e2eProfiles, startE2e, until, type E2e } from '../../src/testing/e2e-harness.js';
import { IN_NETNS, runFileInLoopbackNetns } from '../../src/testing/loopback-netns.js';
import { serializeRtp } from '../../src/telephony/embedded/media/rtp-packet.js';
import { heapAfterGc, metricValue, requestFromAttacker } from './attack-kit.js';
import { digestHeader, LegitCall, sipRequest, SipSocket, statusOf } from './legit-phone.js';

const THIS_FILE = fileURLToPath(import.meta.url);
const SIP_PORT = 17160;
const WS_PORT = 17168;
const RTP = { min: 27300, max: 27339 };
const GW = { address: '127.0.0.1', port: SIP_PORT };
const TARGET = { address: VICTIM_ADDRESS, port: SIP_PORT };
const [SPRAYER, GUESSER, COMPROMISED, GUESSER_2, REPLAYER] = ATTACKER_ADDRESSES as [
  string,
  string,
  string,
  string,
  string,
];
const ALICE = { username: 'alice', password: 'alice-long-secret-1' };
/** Bob for the replay case: alice is still locked out for strangers' addresses after the guessing case. */
const BOB = { username: 'bob', password: 'bob-long-secret-22' };
/** A softphone account whose password the attacker has: admitted, but held to the per-source caps. */
const CAROL = { username: 'carol', password: 'carol-long-secret-3' };

describe.runIf(!IN_NETNS)('gateway under attack (host side)', () => {
  it('re-runs this file inside a network namespace of its own, with an attacker namespace beside it', async () => {
    const run = await runFileInLoopbackNetns(THIS_FILE, 280_000);
    if (run.status !== 0) console.error(run.output);
    else
      console.log(
        run.output
          .split('\n')
          .filter((l) => /[✓×]|options flood/.test(l))
          .join('\n'),
      );
    expect(run.output).toMatch(/Tests\s+\d+ passed/);
    expect(run.output).not.toMatch(/Tests\s+\d+ failed/);
    expect(run.status).toBe(0);
  }, 300_000);
});

describe.runIf(IN_NETNS)('gateway under attack (inside the namespaces)', () => {
  let e2e: E2e;
  let attacker: Attacker;
  const calls: LegitCall[] = [];

  beforeAll(async () => {
    attacker = await Attacker.start();
    e2e = await startE2e({
      sip: { port: SIP_PORT, rtpPorts: `${RTP.min}-${RTP.max}`, transports: 'udp,tcp,ws' },
      profiles: {
        ...e2eProfiles({ greeting: 'Hello, the security desk.' }),
        trunks: [{ name: 'honest-pbx', sources: ['127.0.0.1/32'] }],
        users: [ALICE, BOB, CAROL],
        // Down on purpose (nothing listens): its Contact must still not open a way in.
        registrations: [{ registrar: 'sip:127.0.0.1:17199', user: '7000', password: 'pbx-secret' }],
      },
      env: {
        SWITCHBOARD_SIP_HOST: '0.0.0.0',
        SWITCHBOARD_SIP_EXTERNAL_HOST: VICTIM_ADDRESS,
        SWITCHBOARD_SIP_WS_PORT: String(WS_PORT),
        SWITCHBOARD_SIP_TRUST_LOOPBACK: 'false',
        SWITCHBOARD_RTP_PORTS_PER_SOURCE: '6',
        SWITCHBOARD_SIP_MAX_CONNECTIONS_PER_SOURCE: '10',
      },
    });
  }, 60_000);
  afterEach(async () => {
    await Promise.allSettled(calls.splice(0).map((c) => c.hangup()));
  });
  afterAll(async () => {
    await e2e?.stop();
    await attacker?.stop();
  });

  async function honestCall(): Promise<LegitCall> {
    const c = await LegitCall.place(GW);
    calls.push(c);
    return c;
  }

  /** The honest call is alive: no BYE, no end in the store, agent RTP still arriving. */
  async function expectAlive(c: LegitCall): Promise<void> {
    const before = c.packetsFromAgent;
    await until(() => c.packetsFromAgent >= before + 10, 3000, 'agent RTP still reaching the caller');
    expect(c.byeReceived).toBe(false);
    expect(e2e.storedCall(c.callId)?.end_reason ?? null).toBeNull();
  }

  const metric = async (name: string) => metricValue(await e2e.getText('/metrics'), name);

  async function udpFrom(address: string): Promise<number> {
    return (await attacker.call<{ h: number }>('udp.open', { address })).h;
  }

  /** Send one SIP request from the attacker's handle and wait for its final response. */
  const attackerRequest = (h: number, text: string, tcp = false) =>
    requestFromAttacker(attacker, h, text, TARGET, tcp);

  it('empty RTP: 12-byte packets sprayed at every RTP port end no call', async () => {
    const honest = [await honestCall(), await honestCall()];
    for (const c of honest) c.startStreaming();
    await until(() => honest.every((c) => c.packetsFromAgent > 20), 5000, 'calls up');
    const h = await udpFrom(SPRAYER);
    for (let round = 0; round < 50; round++) {
      const empty = serializeRtp(
        { payloadType: 0, sequence: round, timestamp: round * 160, ssrc: 0xbad },
        new Uint8Array(0),
      );
      await attacker.call('udp.spray', {
        h,
        host: VICTIM_ADDRESS,
        from: RTP.min,
        to: RTP.max,
        b64: empty.toString('base64'),
      });
    }
    for (const c of honest) await expectAlive(c);
    expect(await metric('switchboard_rtp_dropped_total{reason="empty"}')).toBeGreaterThan(0);
  }, 30_000);

  it('hijack: a blind sprayer gets none of the agent audio and cannot take a call over', async () => {
    const h = await udpFrom(SPRAYER);
    const spray = (round: number) => {
      const pkt = serializeRtp(
        { payloadType: 0, sequence: 1000 + round, timestamp: round * 160, ssrc: 0xfeed },
        new Uint8Array(160).fill(0x55),
      );
      return attacker.call('udp.spray', {
        h,
        host: VICTIM_ADDRESS,
        from: RTP.min,
        to: RTP.max,
        b64: pkt.toString('base64'),
        pauseMs: 20,
      });
    };
    const spraying = (async () => {
      for (let round = 0; round < 150; round++) await spray(round);
    })();
    await spray(0);
    const c = await honestCall();
    await new Promise((r) => setTimeout(r, 300)); // the phone starts sending a moment after the ACK
    c.startStreaming();
    await spraying;
    expect((await attacker.inbox(h)).count).toBe(0);
    await expectAlive(c);
    expect(await metric('switchboard_rtp_dropped_total{reason="source"}')).toBeGreaterThan(0);
  }, 30_000);

  it('sbreg: the PBX-registration route is not a way in for strangers, over UDP or TCP', async () => {
    const h = await udpFrom(SPRAYER);
    const uris = [
      `sip:7000@${VICTIM_ADDRESS}:${SIP_PORT};sbreg=r0`,
      `sip:+15550001111@${VICTIM_ADDRESS}:${SIP_PORT};sbreg=r0`,
      `sip:7000-00000000000000000000000000000000@${VICTIM_ADDRESS}:${SIP_PORT}`,
    ];
    for (const uri of uris) {
      const text = sipRequest({
        method: 'INVITE',
        uri,
        from: { address: SPRAYER, port: 5060 },
        rtpPort: 4000,
      });
      expect([401, 403]).toContain(statusOf(await attackerRequest(h, text)));
    }
    const tcp = (
      await attacker.call<{ h: number }>('tcp.open', {
        address: SPRAYER,
        host: VICTIM_ADDRESS,
        port: SIP_PORT,
      })
    ).h;
    const text = sipRequest({
      method: 'INVITE',
      uri: uris[0]!,
      from: { address: SPRAYER, port: 5060 },
      transport: 'TCP',
      rtpPort: 4000,
    });
    expect([401, 403]).toContain(statusOf(await attackerRequest(tcp, text, true)));
    await attacker.call('close', { h: tcp });
  }, 30_000);

  it('Origin: a foreign web page cannot open SIP over WebSocket, not even from this machine; connections are capped', async () => {
    const foreign = await attacker.call<{ status: number }>('ws.open', {
      address: SPRAYER,
      url: `ws://${VICTIM_ADDRESS}:${WS_PORT}`,
      origin: 'https://evil.example',
    });
    expect(foreign.status).toBe(403);
    // A browser on this machine showing some other site: loopback, but still a foreign origin.
    const local = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${WS_PORT}`, ['sip'], { origin: 'https://evil.example' });
      ws.once('open', () => {
        const invite = sipRequest({
          method: 'INVITE',
          uri: `sip:7000@127.0.0.1:${WS_PORT}`,
          from: { address: 'evil.invalid', port: 0 },
          transport: 'WS',
          fromUser: 'yourbank',
          rtpPort: 4000,
        });
        ws.send(invite);
        setTimeout(() => {
          ws.close();
          resolve(101);
        }, 1000);
      });
      ws.once('unexpected-response', (_q, r) => resolve(r.statusCode ?? 0));
      ws.once('error', () => resolve(0));
    });
    expect(local).toBe(403);
    // One source holds at most SWITCHBOARD_SIP_MAX_CONNECTIONS_PER_SOURCE (10) connections.
    const opened: number[] = [];
    for (let i = 0; i < 25; i++) {
      const r = await attacker.call<{ h?: number; status: number }>('ws.open', {
        address: SPRAYER,
        url: `ws://${VICTIM_ADDRESS}:${WS_PORT}`,
      });
      if (r.h !== undefined) opened.push(r.h);
    }
    expect(opened.length).toBeLessThanOrEqual(10);
    for (const h of opened) await attacker.call('close', { h });
  }, 30_000);

  it('OPTIONS flood: every method is rate-limited per source, calls go on, memory stays bounded', async () => {
    const c = await honestCall();
    c.startStreaming();
    const heapBefore = heapAfterGc();
    const h = await udpFrom(SPRAYER);
    const template = sipRequest({
      method: 'OPTIONS',
      uri: `sip:7000@${VICTIM_ADDRESS}:${SIP_PORT}`,
      from: { address: SPRAYER, port: 5060 },
      callId: 'flood-{i}',
    }).replace(/branch=z9hG4bK\w+/, 'branch=z9hG4bKflood{i}');
    await attacker.call('udp.flood', {
      h,
      host: VICTIM_ADDRESS,
      port: SIP_PORT,
      template,
      count: 20_000,
      perBatch: 50,
      pauseMs: 20, // about 2 500 a second: slow enough that every one reaches the gateway
    });
    await new Promise((r) => setTimeout(r, 500));
    const grew = heapAfterGc() - heapBefore;
    const { statuses } = await attacker.inbox(h);
    const answered = statuses[200] ?? 0;
    console.log(
      `options flood: 20000 sent, ${answered} answered 200, ${statuses[503] ?? 0} refused 503, heap +${(grew / 2 ** 20).toFixed(1)} MB`,
    );
    expect(answered).toBeLessThan(500); // the burst and the rate, not 20 000
    expect(grew).toBeLessThan(24 * 1024 * 1024);
    expect(await metric('switchboard_sip_transactions')).toBeLessThan(500);
    await expectAlive(c);
    const fresh = await honestCall(); // the honest PBX is not rate-limited by the flood
    await expectAlive(fresh);
  }, 40_000);

  it('guessing: failed digests lock the source and the user out, not the user’s own phone', async () => {
    // Alice registers from her desk (loopback) first: that address is known good for her.
    const desk = await SipSocket.open();
    const register = (s: { address: string; port: number }, auth?: string) =>
      sipRequest({
        method: 'REGISTER',
        uri: `sip:${VICTIM_ADDRESS}`,
        from: s,
        fromUser: 'alice',
        toUser: 'alice',
        headers: auth ? [auth] : [],
      });
    const deskFrom = { address: '127.0.0.1', port: desk.port };
    const deskLogin = async () => {
      const challenge = await desk.request(register(deskFrom), GW);
      return desk.request(
        register(
          deskFrom,
          digestHeader(challenge!, { ...ALICE, method: 'REGISTER', uri: `sip:${VICTIM_ADDRESS}` }),
        ),
        GW,
      );
    };
    expect(statusOf(await deskLogin())).toBe(200);

    const h = await udpFrom(GUESSER);
    const ask = async (address: string, hh: number, password: string) => {
      const from = { address, port: 5060 };
      const send = (text: string) => attackerRequest(hh, text);
      const first = await send(register(from));
      if (statusOf(first) !== 401) return statusOf(first);
      return statusOf(
        await send(
          register(
            from,
            digestHeader(first, {
              username: 'alice',
              password,
              method: 'REGISTER',
              uri: `sip:${VICTIM_ADDRESS}`,
            }),
          ),
        ),
      );
    };
    const guesses: number[] = [];
    for (let i = 0; i < 12; i++) guesses.push(await ask(GUESSER, h, `guess-${i}`));
    expect(guesses.every((s) => s === 403)).toBe(true);
    // Locked: even the right password from the guessing address is refused...
    expect(await ask(GUESSER, h, ALICE.password)).toBe(403);
    // ...and from another stranger's address (alice's account is locked for strangers)...
    expect(await ask(GUESSER_2, await udpFrom(GUESSER_2), ALICE.password)).toBe(403);
    // ...but alice at her own desk carries on.
    expect(statusOf(await deskLogin())).toBe(200);
    expect(await metric('switchboard_sip_auth_locked')).toBeGreaterThanOrEqual(2);
    desk.close();
  }, 40_000);

  it('replay: credentials without qop are refused, and a captured answer does not work from elsewhere', async () => {
    // Alice's softphone on this machine's network address: not loopback, not a trunk, so it must authenticate.
    const phone = await SipSocket.open(VICTIM_ADDRESS);
    const from = { address: VICTIM_ADDRESS, port: phone.port };
    const uri = `sip:7000@${VICTIM_ADDRESS}:${SIP_PORT}`;
    const invite = (auth?: string) =>
      sipRequest({
        method: 'INVITE',
        uri,
        from,
        fromUser: 'alice',
        rtpPort: 4002,
        headers: auth ? [auth] : [],
      });
    const challenge = await phone.request(invite(), TARGET);
    expect(statusOf(challenge)).toBe(401);
    // RFC 2069 style (no qop, no nonce count): replayable for as long as the nonce lives, so refused.
    const noQop = digestHeader(challenge!, { ...BOB, method: 'INVITE', uri, qop: false });
    expect(statusOf(await phone.request(invite(noQop), TARGET))).toBe(403);
    // A proper qop=auth answer works once...
    const again = await phone.request(invite(), TARGET);
    const withQop = digestHeader(again!, { ...BOB, method: 'INVITE', uri });
    const answered = await phone.request(invite(withQop), TARGET);
    expect(statusOf(answered)).toBe(200);
    // ...and neither captured header works for the attacker, with a fresh Call-ID from its own address.
    const h = await udpFrom(REPLAYER);
    for (const header of [noQop, withQop]) {
      const replay = sipRequest({
        method: 'INVITE',
        uri,
        from: { address: REPLAYER, port: 5060 },
        fromUser: 'bob',
        rtpPort: 4000,
        headers: [header],
      });
      expect([401, 403]).toContain(statusOf(await attackerRequest(h, replay)));
    }
    phone.close();
  }, 30_000);

  it('un-ACKed INVITEs from one source cannot take the RTP range: honest calls still get through', async () => {
    // The attacker has carol's password: each INVITE is admitted, answered, and never ACKed.
    const h = await udpFrom(COMPROMISED);
    const portsBefore = await metric('switchboard_rtp_ports_in_use');
    const uri = `sip:7000@${VICTIM_ADDRESS}:${SIP_PORT}`;
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      const invite = (cseq: number, auth?: string) =>
        sipRequest({
          method: 'INVITE',
          uri,
          from: { address: COMPROMISED, port: 5060 },
          fromUser: 'carol',
          callId: `noack-${i}`,
          cseq,
          rtpPort: 4000 + 2 * i,
          headers: auth ? [auth] : [],
        });
      const challenge = await attackerRequest(h, invite(1));
      if (statusOf(challenge) !== 401) {
        statuses.push(statusOf(challenge));
        continue;
      }
      const auth = digestHeader(challenge, { ...CAROL, method: 'INVITE', uri });
      statuses.push(statusOf(await attackerRequest(h, invite(2, auth))));
    }
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(6);
    expect(await metric('switchboard_rtp_ports_in_use')).toBeLessThanOrEqual(portsBefore + 6);
    const c = await honestCall();
    await expectAlive(c);
  }, 60_000);
});
