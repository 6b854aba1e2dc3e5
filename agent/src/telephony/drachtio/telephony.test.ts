/** Connection state, PBX registration and softphone routing through startDrachtioTelephony (fakes). */
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../audio/clock.js';
import { digestResponse } from './digest-auth.js';
import { sipAddressFromHostport } from './drachtio-connection.js';
import { parseAuthParams, parseMediaServers } from './sip-utils.js';
import { startDrachtioTelephony, type DrachtioTelephony } from './start.js';
import { testConfig } from './testing/config.js';
import { startFakeDrachtio, type FakeDrachtio } from './testing/fake-drachtio/index.js';
import { startFakeFreeswitch, type FakeFreeswitchHandle } from './testing/fake-freeswitch/index.js';
import { FakeMrf, FakeRequest, FakeResponse, FakeSrf, response, settle } from './testing/fakes.js';

const log = pino({ level: 'silent' });
let running: DrachtioTelephony | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

async function boot() {
  const srf = new FakeSrf();
  const mrf = new FakeMrf();
  const clock = new ManualClock();
  running = await startDrachtioTelephony({ config: testConfig(), log, clock, srf, mrf });
  await settle();
  return { srf, mrf, clock, tel: running };
}

describe('drachtio connection and readiness (the real drachtio-srf, a fake drachtio-server)', () => {
  let drachtio: FakeDrachtio | undefined;
  let fs: FakeFreeswitchHandle | undefined;
  afterEach(async () => {
    await running?.stop();
    running = undefined;
    await drachtio?.stop();
    await fs?.stop();
    drachtio = fs = undefined;
  });

  async function bootReal(appSecret: string, clock = new ManualClock()) {
    drachtio = await startFakeDrachtio({ secret: 'right-secret' });
    fs = await startFakeFreeswitch({ secret: 'esl-secret-1' });
    const config = testConfig({
      DRACHTIO_HOST: drachtio.host,
      DRACHTIO_PORT: String(drachtio.adminPort),
      DRACHTIO_SECRET: appSecret,
      FREESWITCH: `${fs.address}:${fs.eslPort}:esl-secret-1`,
    });
    running = await startDrachtioTelephony({ config, log, clock });
    return { tel: running, clock, drachtio };
  }

  async function until(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!cond()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('ready only with drachtio connected and a media server up; a drachtio restart is reconnected; stop ends it', async () => {
    const { tel, drachtio: d } = await bootReal('right-secret');
    await until(() => tel.readiness().ready, 'ready');
    expect(tel.readiness()).toMatchObject({ drachtio: 'connected' });
    d.dropClients();
    await until(() => tel.readiness().drachtio === 'reconnecting', 'reconnecting');
    expect(tel.readiness().ready).toBe(false);
    await until(() => tel.readiness().drachtio === 'connected', 'srf reconnected by itself');
    await tel.stop();
    expect(tel.readiness().drachtio).toBe('stopped');
    const attempts = d.authAttempts;
    await new Promise((r) => setTimeout(r, 1500));
    expect(d.clientCount).toBe(0);
    expect(d.authAttempts).toBe(attempts);
  });

  it("a refused secret: auth_failed, one try per back-off step (5 s, 10 s …), not srf's 255 ms loop", async () => {
    const { tel, clock, drachtio: d } = await bootReal('wrong-secret');
    await until(() => tel.readiness().drachtio === 'auth_failed', 'auth_failed');
    await new Promise((r) => setTimeout(r, 1000)); // srf alone would have retried ~4 times by now
    expect(d.authAttempts).toBe(1);
    clock.advance(4999);
    await new Promise((r) => setTimeout(r, 300));
    expect(d.authAttempts).toBe(1);
    clock.advance(1);
    await until(() => d.authAttempts === 2, 'second attempt');
    await until(() => d.clientCount === 0, 'refused again');
    d.setSecret('wrong-secret'); // drachtio restarted with the secret we have
    clock.advance(9999);
    await new Promise((r) => setTimeout(r, 300));
    expect(d.authAttempts).toBe(2);
    clock.advance(1);
    await until(() => tel.readiness().drachtio === 'connected', 'connected with the new secret');
    await tel.stop();
    clock.advance(60_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(d.authAttempts).toBe(3);
  });

  it('parses drachtio hostports and FREESWITCH lists', () => {
    expect(sipAddressFromHostport('tls/1.2.3.4:5061,udp/1.2.3.4:5060')).toBe('1.2.3.4:5060');
    expect(parseMediaServers('10.0.0.1:8021:pa:ss, fs2:8022:x')).toEqual([
      { host: '10.0.0.1', port: 8021, secret: 'pa:ss' },
      { host: 'fs2', port: 8022, secret: 'x' },
    ]);
    expect(() => parseMediaServers('fs1:8021:ClueCon')).toThrow(/ClueCon/);
    expect(() => parseMediaServers('fs1:8021')).toThrow(/host:port:secret/);
  });

  it('refuses to start without DRACHTIO_SECRET or FREESWITCH', async () => {
    const srf = new FakeSrf();
    const mrf = new FakeMrf();
    const noFs = testConfig({ FREESWITCH: '' });
    delete noFs.env.FREESWITCH;
    await expect(startDrachtioTelephony({ config: noFs, log, srf, mrf })).rejects.toThrow(/FREESWITCH/);
    const noSecret = testConfig();
    delete noSecret.env.DRACHTIO_SECRET;
    await expect(startDrachtioTelephony({ config: noSecret, log, srf, mrf })).rejects.toThrow(
      /DRACHTIO_SECRET/,
    );
    const wildcard = testConfig({ SWITCHBOARD_ESL_LISTEN_ADDRESS: '0.0.0.0' });
    await expect(startDrachtioTelephony({ config: wildcard, log, srf, mrf })).rejects.toThrow(
      /SWITCHBOARD_ESL_ADVERTISED_ADDRESS is required/,
    );
  });
});

describe('registering to a PBX as an extension', () => {
  it('sends REGISTER with auth once connected, refreshes at half the granted expiry, backs off on failure', async () => {
    const { srf, clock, tel } = await boot();
    expect(srf.requests).toHaveLength(0);
    srf.emit('connect', null, 'udp/192.0.2.1:5060');
    await settle();
    expect(srf.requests).toHaveLength(1);
    const first = srf.requests[0]!;
    expect(first.uri).toBe('sip:192.0.2.10');
    expect(first.opts).toMatchObject({
      method: 'REGISTER',
      proxy: 'sip:192.0.2.10:5060;transport=udp',
      auth: { username: '7001', password: 'ext-pass' },
      headers: {
        From: '<sip:7001@192.0.2.10>',
        To: '<sip:7001@192.0.2.10>',
        Contact: '<sip:7001@192.0.2.1:5060;transport=udp>;expires=300',
        Expires: '300',
      },
    });
    first.sent.emit('response', response(200, { Contact: '<sip:7001@192.0.2.1:5060>;expires=120' }));
    expect(tel.readiness().registrations).toEqual([
      { registrar: 'sip:192.0.2.10:5060', user: '7001', state: 'registered', lastStatus: 200, expiresS: 120 },
    ]);
    clock.advance(59_999);
    await settle();
    expect(srf.requests).toHaveLength(1);
    clock.advance(1);
    await settle();
    expect(srf.requests).toHaveLength(2);
    expect(srf.requests[1]!.opts.headers!['Call-ID']).toBe(first.opts.headers!['Call-ID']);
    srf.requests[1]!.sent.emit('response', response(403));
    expect(tel.readiness().registrations[0]).toMatchObject({ state: 'failed', lastStatus: 403 });
    clock.advance(5_000);
    await settle();
    expect(srf.requests).toHaveLength(3);
    srf.requests[2]!.sent.emit('response', response(503));
    clock.advance(9_999);
    await settle();
    expect(srf.requests).toHaveLength(3);
    clock.advance(1);
    await settle();
    expect(srf.requests).toHaveLength(4);
  });
});

describe('softphones over WSS', () => {
  it('a registered softphone is reached from another authenticated softphone (B2BUA to its contact)', async () => {
    const { srf } = await boot();
    srf.emit('connect', null, 'udp/192.0.2.1:5060');
    const reg = (headers: Record<string, string>) => {
      const res = new FakeResponse();
      srf.registerHandler!(
        new FakeRequest('REGISTER', 'sip:switchboard', headers, '198.51.100.30', '', 'r1', 'wss', 443),
        res,
      );
      return res.last!;
    };
    const bobHeaders = {
      To: '<sip:bob@switchboard>',
      Contact: '<sip:b0b@xyz.invalid;transport=ws>',
      Expires: '300',
    };
    const { nonce } = parseAuthParams(reg(bobHeaders).headers['WWW-Authenticate']!);
    const bobAuth = digestResponse({
      username: 'bob',
      password: 'bob-pass',
      realm: 'switchboard',
      method: 'REGISTER',
      uri: 'sip:switchboard',
      nonce: nonce!,
    });
    expect(reg({ ...bobHeaders, Authorization: bobAuth }).status).toBe(200);

    const aliceAuth = digestResponse({
      username: 'alice',
      password: 'alice-pass',
      realm: 'switchboard',
      method: 'INVITE',
      uri: 'sip:bob@switchboard',
      nonce: nonce!,
    });
    const inv = new FakeRequest(
      'INVITE',
      'sip:bob@switchboard',
      { From: '<sip:alice@switchboard>;tag=1', To: '<sip:bob@switchboard>', Authorization: aliceAuth },
      '198.51.100.31',
      'v=0 webrtc',
    );
    const res = new FakeResponse();
    srf.inviteHandler!(inv, res);
    await settle();
    expect(srf.b2bua).toHaveLength(1);
    expect(srf.b2bua[0]).toMatchObject({
      uri: 'sip:b0b@xyz.invalid;transport=ws',
      opts: { localSdpB: 'v=0 webrtc', passFailure: true },
    });
    expect(res.sent.map((s) => s.status)).toEqual([200]);
    expect(running!.readiness().activeCalls).toBe(1);
    srf.b2bua[0]!.uas.emit('destroy');
    await settle();
    expect(srf.b2bua[0]!.uac.destroyed).toBe(1);
    expect(running!.readiness().activeCalls).toBe(0);

    const unregistered = new FakeRequest(
      'INVITE',
      'sip:carol@switchboard',
      { From: '<sip:alice@switchboard>' },
      '127.0.0.1',
    );
    const res2 = new FakeResponse();
    srf.inviteHandler!(unregistered, res2);
    await settle();
    // Loopback is not trusted with drachtio: an unauthenticated caller is challenged, not told who exists.
    expect(res2.sent.map((s) => s.status)).toEqual([401]);
  });
});

describe('real adapters', () => {
  it('wrap the installed drachtio-srf 5 and drachtio-fsmrf 4.1.2 without connecting', async () => {
    const { createRealMrf, createRealSrf } = await import('./real-adapters.js');
    const srf = createRealSrf();
    const raw = srf.raw as unknown as Record<string, unknown>;
    for (const m of ['connect', 'disconnect', 'invite', 'register', 'request', 'createB2BUA'])
      expect(typeof raw[m], m).toBe('function');
    expect(typeof createRealMrf(srf.raw).connect).toBe('function');
  });
});
