/**
 * Against a real drachtio-server (and FreeSWITCH), only when their addresses are given:
 *   DRACHTIO_HOST, DRACHTIO_PORT, DRACHTIO_SECRET [, FREESWITCH_HOST, FREESWITCH_PORT, FREESWITCH_SECRET]
 * CI has neither, so these are skipped there with the reason printed.
 *
 * drachtio-server must listen for SIP on DRACHTIO_SIP (default 127.0.0.1:15260, udp+tcp). The tests start
 * their own peers on loopback: a Kamailio PBX on 127.0.0.1:15270 and sipp clients on 15263–15266; port
 * 15268 must be closed (an unreachable drachtio).
 * Without FreeSWITCH the media-server list points at 127.0.0.1:15269, where nothing listens.
 * Run this file on its own (not beside agent/test/e2e-drachtio): drachtio-server shares new INVITEs among
 * all connected applications, so two test files connected at once receive each other's calls.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DrachtioConnection } from './drachtio-connection.js';
import { createRealMrf, createRealSrf } from './real-adapters.js';
import { startDrachtioTelephony, type DrachtioTelephony } from './start.js';
import { routerFor, testConfig } from './testing/config.js';
import { startKamailio, type Kamailio } from '../../testing/kamailio.js';
import { startJssipPhone } from './testing/jssip-phone.js';
import { inviteRejectedScenario, registerScenario, runSipp } from './testing/sipp.js';

const e = process.env;
const haveDrachtio = Boolean(e.DRACHTIO_HOST && e.DRACHTIO_PORT && e.DRACHTIO_SECRET);
const haveFreeswitch = haveDrachtio && Boolean(e.FREESWITCH_HOST && e.FREESWITCH_PORT && e.FREESWITCH_SECRET);
if (!haveDrachtio)
  console.log('[drachtio integration] skipped: DRACHTIO_HOST/DRACHTIO_PORT/DRACHTIO_SECRET not set');
else if (!haveFreeswitch)
  console.log('[drachtio integration] FreeSWITCH part skipped: FREESWITCH_HOST/PORT/SECRET not set');

const DRACHTIO_SIP = e.DRACHTIO_SIP ?? '127.0.0.1:15260';
const DRACHTIO_WS = e.DRACHTIO_WS ?? '127.0.0.1:15261';
const PBX_PORT = 15270;
const NO_FREESWITCH = '127.0.0.1:15269:nothing-listens-here';
const log = pino({ level: e.DRACHTIO_TEST_LOG ?? 'silent' });

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
}

function drachtioEnv(freeswitch: string): Record<string, string> {
  return {
    DRACHTIO_HOST: e.DRACHTIO_HOST!,
    DRACHTIO_PORT: e.DRACHTIO_PORT!,
    DRACHTIO_SECRET: e.DRACHTIO_SECRET!,
    FREESWITCH: freeswitch,
  };
}

describe.skipIf(!haveDrachtio)('real drachtio-server', () => {
  it('authenticates on the admin socket and reports its SIP address', async () => {
    const srf = createRealSrf();
    const conn = new DrachtioConnection(
      srf,
      { host: e.DRACHTIO_HOST!, port: Number(e.DRACHTIO_PORT), secret: e.DRACHTIO_SECRET! },
      log,
    );
    conn.start();
    try {
      expect(await waitFor(() => conn.state === 'connected', 5000)).toBe(true);
      expect(conn.sipAddresses.udp).toBe(DRACHTIO_SIP);
    } finally {
      conn.stop();
    }
  });

  it('a wrong secret: auth_failed, no retry storm, nothing left running after stop', async () => {
    const srf = createRealSrf();
    let connectEvents = 0;
    srf.on('connect', () => connectEvents++);
    const conn = new DrachtioConnection(
      srf,
      { host: e.DRACHTIO_HOST!, port: Number(e.DRACHTIO_PORT), secret: `${e.DRACHTIO_SECRET}-wrong` },
      log,
    );
    conn.start();
    try {
      expect(await waitFor(() => conn.state === 'auth_failed', 5000)).toBe(true);
      // srf alone re-sent the wrong secret every ~255 ms; the first retry is now 5 s away.
      await new Promise((r) => setTimeout(r, 1500));
      expect(conn.authFailures).toBe(1);
    } finally {
      conn.stop();
    }
    const before = connectEvents;
    await new Promise((r) => setTimeout(r, 6000));
    expect(connectEvents).toBe(before);
  }, 15_000);

  it("stop() while drachtio is unreachable ends srf's reconnect loop", async () => {
    const srf = createRealSrf();
    let reconnecting = 0;
    srf.on('reconnecting', () => reconnecting++);
    const conn = new DrachtioConnection(srf, { host: '127.0.0.1', port: 15268, secret: 'x' }, log);
    conn.start();
    expect(await waitFor(() => reconnecting >= 2, 5000)).toBe(true);
    conn.stop();
    const before = reconnecting;
    await new Promise((r) => setTimeout(r, 1500));
    expect(reconnecting).toBe(before);
  });
});

describe.skipIf(!haveDrachtio)('real drachtio-server: registrations and call routing (no FreeSWITCH)', () => {
  let pbx: Kamailio;
  let tel: DrachtioTelephony;

  beforeAll(async () => {
    pbx = await startKamailio({
      port: PBX_PORT,
      user: '7001',
      password: 'ext-pass',
      expires: { minS: 10, maxS: 30 },
    });
    const srf = createRealSrf();
    const config = testConfig(drachtioEnv(NO_FREESWITCH), {
      registrations: [
        { registrar: `sip:127.0.0.1:${PBX_PORT}`, user: '7001', password: 'ext-pass', expires: 300 },
      ],
      // sipp on loopback stands in for a carrier (loopback is not trusted with drachtio).
      trunks: [{ name: 'carrier', sources: ['127.0.0.1/32'] }],
    });
    tel = await startDrachtioTelephony({
      config,
      router: routerFor(config),
      forkUrl: config.env.SWITCHBOARD_FORK_URL!,
      log,
      srf,
      mrf: createRealMrf(srf.raw, { listenAddress: '127.0.0.1' }),
    });
    await waitFor(() => tel.readiness().drachtio === 'connected', 5000);
  });
  afterAll(async () => {
    await tel?.stop();
    await pbx?.stop();
  });

  it('registers to the Kamailio PBX through drachtio, answering its digest challenge', async () => {
    const ok = await waitFor(() => tel.readiness().registrations[0]?.state === 'registered', 8000);
    expect(ok, pbx.log().slice(-3000)).toBe(true);
    // We asked for 300 s; the PBX granted 30 and that is what we refresh on (at 80%: 24 s).
    expect(tel.readiness().registrations[0]).toMatchObject({ lastStatus: 200, state: 'registered' });
    await waitFor(() => /PBX saved 7001/.test(pbx.log()), 2000);
    expect(pbx.log()).toMatch(/PBX challenge for 7001 \(auth: <null>\)/);
    // Our Contact user is random: only the PBX learns it, so only the PBX can send calls to it.
    expect(pbx.log()).toMatch(
      /PBX saved 7001 expires=\S+ contact=<sip:7001-[0-9a-f]{32}@127\.0\.0\.1:15260>/,
    );
  });

  it('a call from the PBX to our extension reaches the agent path (503: no media server)', async () => {
    // We answer the PBX 503; the PBX, as a proxy must (RFC 3261 16.7), turns it into 500 for the caller.
    const run = await runSipp({
      scenarioXml: inviteRejectedScenario(500),
      target: `127.0.0.1:${PBX_PORT}`,
      localPort: 15263,
      service: '7001',
    });
    expect(run.code, run.stdout + run.errors + pbx.log().slice(-2000)).toBe(0);
    expect(pbx.log()).toMatch(/PBX routing INVITE for 7001 to sip:7001-[0-9a-f]{32}@127\.0\.0\.1:15260/);
    await waitFor(() => /PBX got 503 for 7001/.test(pbx.log()), 2000);
    expect(pbx.log()).toMatch(/PBX got 503 for 7001/);
  });

  it('refreshes the PBX registration at 80% of the granted expiry, same Call-ID, higher CSeq', async () => {
    const saved = (): RegExpMatchArray[] => [
      ...pbx.log().matchAll(/PBX saved 7001 .* callid=(\S+) cseq=(\d+)/g),
    ];
    expect(await waitFor(() => saved().length >= 2, 28_000), pbx.log().slice(-3000)).toBe(true);
    const [first, second] = saved();
    expect(second![1]).toBe(first![1]);
    expect(Number(second![2])).toBeGreaterThan(Number(first![2]));
    expect(tel.readiness().registrations[0]).toMatchObject({ state: 'registered', lastStatus: 200 });
  }, 32_000);

  it('a softphone registers with digest auth to our registrar through drachtio', async () => {
    const run = await runSipp({
      scenarioXml: registerScenario('alice', 200),
      target: DRACHTIO_SIP,
      localPort: 15264,
      auth: { username: 'alice', password: 'alice-pass' },
    });
    expect(run.code, run.stdout + run.errors + run.messages).toBe(0);
    expect(run.messages).toMatch(
      /WWW-Authenticate: Digest realm="switchboard", nonce="[^"]+", algorithm=SHA-256, qop="auth"/,
    );
    expect(run.messages).toMatch(
      /SIP\/2\.0 200 OK[\s\S]*Contact: <sip:alice@127\.0\.0\.1:15264>;expires=300/,
    );
    expect(tel.readiness().softphones).toBe(1);
  });

  it('a softphone with a wrong password is refused with 403 and not registered', async () => {
    const run = await runSipp({
      scenarioXml: registerScenario('bob', 403),
      target: DRACHTIO_SIP,
      localPort: 15265,
      auth: { username: 'bob', password: 'not-bobs-password' },
    });
    expect(run.code, run.stdout + run.errors + run.messages).toBe(0);
    expect(tel.readiness().softphones).toBe(1);
  });

  it('a WebRTC softphone (JsSIP) registers over WS and a call to it is bridged by drachtio', async () => {
    const phone = startJssipPhone({
      wsUrl: `ws://${DRACHTIO_WS}`,
      user: 'bob',
      domain: '127.0.0.1',
      password: 'bob-pass',
      rejectInvitesWith: 486,
    });
    try {
      const reg = await Promise.race([
        phone.registered,
        new Promise<{ ok: false; cause: string }>((r) =>
          setTimeout(() => r({ ok: false, cause: 'timeout' }), 8000),
        ),
      ]);
      expect(reg).toMatchObject({ ok: true, status: 200 });
      expect(tel.readiness().softphones).toBe(2);
      // sipp calls bob; drachtio sends the INVITE down bob's WebSocket; bob's 486 comes back to sipp.
      const run = await runSipp({
        scenarioXml: inviteRejectedScenario(486),
        target: DRACHTIO_SIP,
        localPort: 15266,
        service: 'bob',
      });
      expect(run.code, run.stdout + run.errors + run.messages).toBe(0);
      expect(phone.invites).toHaveLength(1);
      expect(phone.invites[0]).toMatch(/^sip:[a-z0-9]+@[a-z0-9]+\.invalid;transport=ws$/);
    } finally {
      await phone.stop();
    }
    // JsSIP un-REGISTERs (Expires 0) when stopped; the binding goes.
    expect(await waitFor(() => tel.readiness().softphones === 1, 3000)).toBe(true);
  });

  it('an INVITE to an unknown extension gets 404', async () => {
    const run = await runSipp({
      scenarioXml: inviteRejectedScenario(404),
      target: DRACHTIO_SIP,
      localPort: 15266,
      service: '9999',
    });
    expect(run.code, run.stdout + run.errors + run.messages).toBe(0);
  });

  it('an INVITE to a routed extension gets 503 with Retry-After while no FreeSWITCH is up', async () => {
    expect(tel.readiness().mediaServers[0]?.state).not.toBe('up');
    const run = await runSipp({
      scenarioXml: inviteRejectedScenario(503),
      target: DRACHTIO_SIP,
      localPort: 15266,
      service: '7000',
    });
    expect(run.code, run.stdout + run.errors + run.messages).toBe(0);
    expect(run.messages).toMatch(/SIP\/2\.0 503[^\r\n]*[\s\S]*Retry-After: 5/);
    expect(tel.readiness()).toMatchObject({ ready: false, drachtio: 'connected', activeCalls: 0 });
  });
});

describe.skipIf(!haveFreeswitch)('real drachtio-server + FreeSWITCH', () => {
  it('connects to the media server and becomes ready', async () => {
    const srf = createRealSrf();
    const config = testConfig(
      drachtioEnv(`${e.FREESWITCH_HOST}:${e.FREESWITCH_PORT}:${e.FREESWITCH_SECRET}`),
      { registrations: [] },
    );
    const tel = await startDrachtioTelephony({
      config,
      router: routerFor(config),
      forkUrl: config.env.SWITCHBOARD_FORK_URL!,
      log,
      srf,
      mrf: createRealMrf(srf.raw, { listenAddress: '127.0.0.1' }),
    });
    try {
      expect(await waitFor(() => tel.readiness().ready, 10_000)).toBe(true);
      expect(tel.readiness().mediaServers[0]).toMatchObject({ state: 'up' });
    } finally {
      await tel.stop();
    }
  });
});
