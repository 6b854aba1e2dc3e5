/**
 * The drachtio call flow with the REAL drachtio-srf and drachtio-fsmrf, against the wire-faithful fake
 * drachtio-server and fake FreeSWITCH, with sipp (and an RTP peer) as the caller and a scripted
 * WebSocket server standing in for the agent's /fork: what FreeSWITCH is asked to do, and what the
 * caller sees, for each thing the agent can say. (The agent itself is in test/e2e-drachtio.)
 * sipp local ports 16441–16449.
 */
import { pino } from 'pino';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeCommand, type OutboundCommand } from '../../fork/protocol.js';
import { killRunningSipp, runSipp } from '../../testing/sipp.js';
import { RtpPeer } from '../../../test/e2e/rtp-peer.js';
import { runSippCall } from '../../../test/e2e/sipp-e2e.js';
import { startDrachtioTelephony, type DrachtioTelephony } from './start.js';
import { routerFor, testConfig } from './testing/config.js';
import { startFakeDrachtio, type FakeDrachtio } from './testing/fake-drachtio/index.js';
import { startFakeFreeswitch, type FakeFreeswitchHandle } from './testing/fake-freeswitch/index.js';
import {
  startForkServer,
  type ForkConnection,
  type ForkServer,
} from './testing/fake-freeswitch/testing/fork-server.js';
import { inviteRejectedScenario } from './testing/sipp.js';

const SCENARIOS = fileURLToPath(new URL('../../../test/sipp/', import.meta.url));
const log = pino({ level: process.env.DRACHTIO_TEST_LOG ?? 'silent' });
const SECRET = 'flow-drachtio-secret';
const ESL = 'flow-esl-password';

interface Flow {
  drachtio: FakeDrachtio;
  fs: FakeFreeswitchHandle;
  agent: ForkServer;
  tel: DrachtioTelephony;
  ended: Array<[string, string]>;
}

let flow: Flow | undefined;
let peer: RtpPeer | undefined;
afterEach(async () => {
  killRunningSipp();
  peer?.close();
  peer = undefined;
  if (!flow) return;
  await flow.tel.stop();
  await flow.agent.close();
  await flow.drachtio.stop();
  await flow.fs.stop();
  flow = undefined;
});

async function boot(o: { forkUrl?: string; freeswitch?: string } = {}): Promise<Flow> {
  const drachtio = await startFakeDrachtio({ secret: SECRET });
  const fs = await startFakeFreeswitch({ secret: ESL });
  const agent = await startForkServer();
  const config = testConfig(
    {
      DRACHTIO_HOST: drachtio.host,
      DRACHTIO_PORT: String(drachtio.adminPort),
      DRACHTIO_SECRET: SECRET,
      FREESWITCH: o.freeswitch ?? `${fs.address}:${fs.eslPort}:${ESL}`,
      SWITCHBOARD_FORK_URL: o.forkUrl ?? agent.url,
    },
    {
      // sipp on loopback stands in for the carrier (loopback itself is not trusted with drachtio).
      trunks: [{ name: 'carrier', sources: ['203.0.113.0/24', '127.0.0.1/32'] }],
    },
  );
  const ended: Array<[string, string]> = [];
  const tel = await startDrachtioTelephony({
    config,
    log,
    router: routerFor(config),
    forkUrl: config.env.SWITCHBOARD_FORK_URL!,
    onCallEnded: (id, r) => ended.push([id, r]),
  });
  flow = { drachtio, fs, agent, tel, ended };
  if (!o.freeswitch) await until(() => tel.readiness().ready, 10_000, 'ready');
  else await until(() => tel.readiness().drachtio === 'connected', 10_000, 'drachtio connected');
  return flow;
}

async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function say(c: ForkConnection, cmd: OutboundCommand): void {
  c.ws.send(encodeCommand(cmd));
}

const texts = (c: ForkConnection) => c.texts().map((t) => JSON.parse(t) as Record<string, unknown>);

async function callIn(
  f: Flow,
  ending: Parameters<typeof runSippCall>[0]['spec']['ending'],
  localPort: number,
) {
  peer = await RtpPeer.open();
  const run = runSippCall({
    target: `${f.drachtio.host}:${f.drachtio.sipPort}`,
    transport: 'udp',
    localPort,
    mediaPort: 16490,
    timeoutMs: 30_000,
    spec: { rtpPort: peer.port, ending },
  });
  const fork = await f.agent.waitConnection(0, 10_000);
  return { run, fork };
}

describe('inbound call: real drachtio-srf + drachtio-fsmrf, fake drachtio-server + FreeSWITCH', () => {
  it('answers on FreeSWITCH and forks with Basic auth and the call metadata; caller BYE: hangup notice, close, no BYE back', async () => {
    const f = await boot();
    const { run, fork } = await callIn(f, { kind: 'caller-bye', afterMs: 1500 }, 16441);
    const result = await run;
    expect(result.code, result.stdout + result.errors).toBe(0);
    const callId = /^Call-ID: *(\S+)/im.exec(result.messages)![1]!;
    const meta = texts(fork)[0]!;
    expect(meta).toMatchObject({
      callId,
      from: 'sipp',
      to: '7000',
      profile: 'receptionist',
      sampleRate: 8000,
    });
    expect(meta).toMatchObject({ playbackSampleRate: 8000, codec: 'PCMU', source: 'drachtio' });
    const auth = Buffer.from(fork.req.headers.authorization!.replace(/^Basic /, ''), 'base64').toString();
    expect(auth).toBe('switchboard:fork-password-123');
    expect(fork.req.headers['sec-websocket-protocol']).toBe('audio.drachtio.org');
    expect((await fork.closed).code).toBe(1000);
    expect(texts(fork)).toContainEqual({ type: 'hangup', data: { reason: 'caller_hangup' } });
    await until(() => f.ended.length === 1, 5000, 'call ended');
    expect(f.ended).toEqual([[callId, 'caller_hangup']]);
    // drachtio took the caller's BYE; the app then hung up its FreeSWITCH leg.
    expect(f.fs.calls[0]).toMatchObject({ hangupBy: 'local' });
    expect(result.messages).not.toMatch(/^BYE sip:sipp/m);
    expect(f.tel.readiness().activeCalls).toBe(0);
  }, 40_000);

  it('caller DTMF reaches the agent as a dtmf text; the agent disconnect sends the BYE to the caller', async () => {
    const f = await boot();
    const { run, fork } = await callIn(f, { kind: 'agent-bye', timeoutMs: 15_000 }, 16442);
    await until(() => peer!.remote !== undefined, 5000, 'RTP from FreeSWITCH');
    await peer!.sendDtmf('5');
    await until(() => texts(fork).some((t) => t.type === 'dtmf'), 5000, 'dtmf text');
    expect(texts(fork).find((t) => t.type === 'dtmf')).toMatchObject({ type: 'dtmf', data: { digit: '5' } });
    say(fork, { type: 'disconnect', reason: 'end_call' });
    const result = await run;
    expect(result.code, result.stdout + result.errors).toBe(0);
    expect(result.messages).toMatch(/^BYE sip:sipp@/m);
    await until(() => f.ended.length === 1, 5000, 'call ended');
    expect(f.ended[0]![1]).toBe('agent_hangup');
  }, 40_000);

  it('the agent asks for DTMF: valid digits go out as RFC 4733, invalid ones are not sent', async () => {
    const f = await boot();
    const { run, fork } = await callIn(f, { kind: 'caller-bye', afterMs: 4000 }, 16443);
    await until(() => peer!.remote !== undefined, 5000, 'RTP from FreeSWITCH');
    say(fork, { type: 'json', data: { action: 'sendDtmf', digits: '1x' } });
    say(fork, { type: 'json', data: { action: 'sendDtmf', digits: '42' } });
    await until(() => peer!.dtmfReceived.length === 2, 5000, 'two digits at the caller');
    expect(peer!.dtmfReceived).toEqual(['4', '2']);
    const sent = f.fs.apiLog.filter((a) => a.command === 'uuid_send_dtmf');
    expect(sent.map((a) => a.args?.split(' ').at(-1))).toEqual(['42']);
    expect((await run).code).toBe(0);
  }, 40_000);

  it('a transfer outside the profile is refused without a REFER; a declined REFER keeps the call', async () => {
    const f = await boot();
    peer = await RtpPeer.open();
    const run = runSipp({
      scenario: { file: `${SCENARIOS}uac-refer-declined.xml` },
      target: `${f.drachtio.host}:${f.drachtio.sipPort}`,
      transport: 'udp',
      localPort: 16444,
      timeoutMs: 30_000,
    });
    const fork = await f.agent.waitConnection(0, 10_000);
    say(fork, { type: 'transfer', target: 'sip:mallory@evil.example' });
    await until(() => texts(fork).some((t) => t.type === 'transferResult'), 5000, 'first result');
    expect(texts(fork).find((t) => t.type === 'transferResult')).toMatchObject({ data: { status: 403 } });
    say(fork, { type: 'transfer', target: 'sales' });
    await until(
      () => texts(fork).filter((t) => t.type === 'transferResult').length === 2,
      10_000,
      'REFER result',
    );
    expect(texts(fork).filter((t) => t.type === 'transferResult')[1]).toMatchObject({
      data: { status: 603 },
    });
    const result = await run;
    expect(result.code, result.output + result.errors).toBe(0);
    expect(result.messages.match(/^REFER /gm)).toHaveLength(1);
    expect(result.messages).toMatch(/^Refer-To: <?sip:sales@pbx\.example\.com/im);
    await until(() => f.ended.length === 1, 5000, 'call ended');
    expect(f.ended[0]![1]).toBe('caller_hangup');
  }, 40_000);

  it('the agent cannot be reached: FreeSWITCH plays the apology tone, then BYE to the caller', async () => {
    const f = await boot({ forkUrl: 'ws://127.0.0.1:9/fork' });
    peer = await RtpPeer.open();
    const result = await runSippCall({
      target: `${f.drachtio.host}:${f.drachtio.sipPort}`,
      transport: 'udp',
      localPort: 16445,
      mediaPort: 16490,
      timeoutMs: 30_000,
      spec: { rtpPort: peer.port, ending: { kind: 'agent-bye', timeoutMs: 15_000 } },
    });
    expect(result.code, result.stdout + result.errors).toBe(0);
    await until(() => f.ended.length === 1, 5000, 'call ended');
    expect(f.ended[0]![1]).toBe('fork_failed');
    const apps = f.fs.calls[0]!.apps.map((a) => `${a.app} ${a.arg}`);
    expect(apps.some((a) => a.startsWith('playback tone_stream://'))).toBe(true);
    expect(peer.received.length).toBeGreaterThan(10);
  }, 40_000);

  it('404 for a number no profile or softphone answers, before any media server is used', async () => {
    const f = await boot();
    const run = await runSipp({
      scenario: { xml: inviteRejectedScenario(404) },
      target: `${f.drachtio.host}:${f.drachtio.sipPort}`,
      transport: 'udp',
      localPort: 16446,
      service: '9999',
      timeoutMs: 10_000,
    });
    expect(run.code, run.output + run.errors).toBe(0);
    expect(f.fs.invites).toEqual([]);
  }, 30_000);

  it('503 with Retry-After when no media server is up', async () => {
    const f = await boot({ freeswitch: '127.0.0.1:9:nothing-listens-here' });
    const run = await runSipp({
      scenario: { xml: inviteRejectedScenario(503) },
      target: `${f.drachtio.host}:${f.drachtio.sipPort}`,
      transport: 'udp',
      localPort: 16447,
      timeoutMs: 10_000,
    });
    expect(run.code, run.output + run.errors).toBe(0);
    expect(run.messages).toMatch(/^Retry-After: 5/m);
  }, 30_000);
});
