/**
 * Against a real drachtio-server (and FreeSWITCH), only when their addresses are given:
 *   DRACHTIO_HOST, DRACHTIO_PORT, DRACHTIO_SECRET [, FREESWITCH_HOST, FREESWITCH_PORT, FREESWITCH_SECRET]
 * CI has neither, so these are skipped there with the reason printed.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { DrachtioConnection } from './drachtio-connection.js';
import { createRealMrf, createRealSrf } from './real-adapters.js';
import { startDrachtioTelephony } from './start.js';
import { testConfig } from './test-support/config.js';

const e = process.env;
const haveDrachtio = Boolean(e.DRACHTIO_HOST && e.DRACHTIO_PORT && e.DRACHTIO_SECRET);
const haveFreeswitch = haveDrachtio && Boolean(e.FREESWITCH_HOST && e.FREESWITCH_PORT && e.FREESWITCH_SECRET);
if (!haveDrachtio)
  console.log('[drachtio integration] skipped: DRACHTIO_HOST/DRACHTIO_PORT/DRACHTIO_SECRET not set');
else if (!haveFreeswitch)
  console.log('[drachtio integration] FreeSWITCH part skipped: FREESWITCH_HOST/PORT/SECRET not set');

const log = pino({ level: 'silent' });

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
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
      expect(conn.sipAddress).toMatch(/:\d+$/);
    } finally {
      conn.stop();
    }
  });
});

describe.skipIf(!haveFreeswitch)('real drachtio-server + FreeSWITCH', () => {
  it('connects to the media server and becomes ready', async () => {
    const srf = createRealSrf();
    const config = testConfig({
      DRACHTIO_HOST: e.DRACHTIO_HOST!,
      DRACHTIO_PORT: e.DRACHTIO_PORT!,
      DRACHTIO_SECRET: e.DRACHTIO_SECRET!,
      FREESWITCH: `${e.FREESWITCH_HOST}:${e.FREESWITCH_PORT}:${e.FREESWITCH_SECRET}`,
    });
    const tel = await startDrachtioTelephony({
      config,
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
