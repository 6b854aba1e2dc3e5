/**
 * Connection state, readiness and start-up checks of startDrachtioTelephony, on the real drachtio-srf
 * against the fake drachtio-server. (Admission, PBX registration, the softphone registrar and transfer
 * are in the suite both back-ends share: test/call-control.)
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../time/clock.js';
import type { Config } from '../../config/load.js';
import { sipAddressesFromHostport } from './drachtio-connection.js';
import { parseMediaServers } from './media-server-specs.js';
import { startDrachtioTelephony, type DrachtioTelephony } from './start.js';
import { routerFor, testConfig } from './testing/config.js';
import { startFakeDrachtio, type FakeDrachtio } from './testing/fake-drachtio/index.js';
import { startFakeFreeswitch, type FakeFreeswitchHandle } from './testing/fake-freeswitch/index.js';

const log = pino({ level: 'silent' });
let running: DrachtioTelephony | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

const start = (config: Config, clock?: ManualClock) =>
  startDrachtioTelephony({
    config,
    log,
    router: routerFor(config),
    forkUrl: config.env.SWITCHBOARD_FORK_URL!,
    ...(clock ? { clock } : {}),
  });

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
    // No PBX registration: its timers would run on the hand-driven clock.
    const config = testConfig(
      {
        DRACHTIO_HOST: drachtio.host,
        DRACHTIO_PORT: String(drachtio.adminPort),
        DRACHTIO_SECRET: appSecret,
        FREESWITCH: `${fs.address}:${fs.eslPort}:esl-secret-1`,
      },
      { registrations: [] },
    );
    running = await start(config, clock);
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
    expect(sipAddressesFromHostport('tls/1.2.3.4:5061,udp/1.2.3.4:5060,tcp/1.2.3.4:5062')).toEqual({
      udp: '1.2.3.4:5060',
      tcp: '1.2.3.4:5062',
    });
    expect(parseMediaServers('10.0.0.1:8021:pa:ss, fs2:8022:x')).toEqual([
      { host: '10.0.0.1', port: 8021, secret: 'pa:ss' },
      { host: 'fs2', port: 8022, secret: 'x' },
    ]);
    expect(() => parseMediaServers('fs1:8021:ClueCon')).toThrow(/ClueCon/);
    expect(() => parseMediaServers('fs1:8021')).toThrow(/host:port:secret/);
  });

  it('refuses to start without DRACHTIO_SECRET or FREESWITCH', async () => {
    // Each is refused before drachtio-srf is even created.
    const noFs = testConfig({ FREESWITCH: '' });
    delete noFs.env.FREESWITCH;
    await expect(start(noFs)).rejects.toThrow(/FREESWITCH/);
    const noSecret = testConfig();
    delete noSecret.env.DRACHTIO_SECRET;
    await expect(start(noSecret)).rejects.toThrow(/DRACHTIO_SECRET/);
    const wildcard = testConfig({ SWITCHBOARD_ESL_LISTEN_ADDRESS: '0.0.0.0' });
    await expect(start(wildcard)).rejects.toThrow(/SWITCHBOARD_ESL_ADVERTISED_ADDRESS is required/);
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
