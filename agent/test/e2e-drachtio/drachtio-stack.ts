/**
 * TEST-ONLY: the production path as CI can run it — the whole agent (startAgent with
 * SWITCHBOARD_TELEPHONY=drachtio: the real drachtio-srf and drachtio-fsmrf) between a drachtio-server
 * and a FreeSWITCH. By default both are the wire-faithful fakes (testing/fake-drachtio,
 * testing/fake-freeswitch); when the environment names real servers the same tests run against them:
 *   DRACHTIO_HOST, DRACHTIO_PORT, DRACHTIO_SECRET, DRACHTIO_SIP (its SIP udp address, default 127.0.0.1:15260)
 *   FREESWITCH_HOST, FREESWITCH_PORT, FREESWITCH_SECRET
 */
import {
  startFakeDrachtio,
  type FakeDrachtio,
} from '../../src/telephony/drachtio/testing/fake-drachtio/index.js';
import {
  startFakeFreeswitch,
  type FakeFreeswitchHandle,
} from '../../src/telephony/drachtio/testing/fake-freeswitch/index.js';
import { startE2e, until, type E2e, type E2eOptions } from '../../src/testing/e2e-harness.js';

const e = process.env;
export const REAL_DRACHTIO = Boolean(e.DRACHTIO_HOST && e.DRACHTIO_PORT && e.DRACHTIO_SECRET);
export const REAL_FREESWITCH = Boolean(e.FREESWITCH_HOST && e.FREESWITCH_PORT && e.FREESWITCH_SECRET);
export const STACK_NAME = `${REAL_DRACHTIO ? 'real' : 'fake'} drachtio-server + ${REAL_FREESWITCH ? 'real' : 'fake'} FreeSWITCH`;

const DRACHTIO_SECRET = 'e2e-drachtio-secret';
const ESL_SECRET = 'e2e-esl-password';

export interface DrachtioStack {
  e2e: E2e;
  /** Where SIP peers send their INVITEs (drachtio's SIP address). */
  sipTarget: string;
  /** The fakes, when used (undefined against real servers). */
  drachtio: FakeDrachtio | undefined;
  freeswitch: FakeFreeswitchHandle | undefined;
  /** /readyz's telephony check. */
  readiness(): Promise<{ ready: boolean; detail: string }>;
  stop(): Promise<void>;
}

export async function startDrachtioStack(o: E2eOptions = {}): Promise<DrachtioStack> {
  const drachtio = REAL_DRACHTIO ? undefined : await startFakeDrachtio({ secret: DRACHTIO_SECRET });
  const freeswitch = REAL_FREESWITCH ? undefined : await startFakeFreeswitch({ secret: ESL_SECRET });
  const cleanup = async (): Promise<void> => {
    await drachtio?.stop();
    await freeswitch?.stop();
  };
  let e2e: E2e;
  try {
    e2e = await startE2e({
      ...o,
      // Loopback is not trusted (the default with drachtio): the sipp/RTP peers stand in for a carrier
      // and are trusted as one, by a trunk source.
      ...(o.profiles && !o.profiles.trunks
        ? { profiles: { ...o.profiles, trunks: [{ name: 'loopback-test-peer', sources: ['127.0.0.1/32'] }] } }
        : {}),
      env: {
        SWITCHBOARD_TELEPHONY: 'drachtio',
        DRACHTIO_HOST: REAL_DRACHTIO ? e.DRACHTIO_HOST! : drachtio!.host,
        DRACHTIO_PORT: REAL_DRACHTIO ? e.DRACHTIO_PORT! : String(drachtio!.adminPort),
        DRACHTIO_SECRET: REAL_DRACHTIO ? e.DRACHTIO_SECRET! : DRACHTIO_SECRET,
        FREESWITCH: REAL_FREESWITCH
          ? `${e.FREESWITCH_HOST}:${e.FREESWITCH_PORT}:${e.FREESWITCH_SECRET}`
          : `${freeswitch!.address}:${freeswitch!.eslPort}:${ESL_SECRET}`,
        SWITCHBOARD_ESL_LISTEN_ADDRESS: '127.0.0.1',
        ...o.env,
      },
    });
  } catch (err) {
    await cleanup();
    throw err;
  }
  const readiness = async (): Promise<{ ready: boolean; detail: string }> => {
    const r = await e2e.getJson<{ checks: { telephony: { ok: boolean; detail: string } } }>('/readyz');
    return { ready: r.body.checks.telephony.ok, detail: r.body.checks.telephony.detail };
  };
  const stack: DrachtioStack = {
    e2e,
    sipTarget: REAL_DRACHTIO
      ? (e.DRACHTIO_SIP ?? '127.0.0.1:15260')
      : `${drachtio!.host}:${drachtio!.sipPort}`,
    drachtio,
    freeswitch,
    readiness,
    async stop() {
      await e2e.stop();
      await cleanup();
    },
  };
  await waitReady(stack);
  return stack;
}

/** Until drachtio is connected and a media server is up (bounded). */
export async function waitReady(stack: DrachtioStack, timeoutMs = 15_000): Promise<void> {
  let last = { ready: false, detail: 'not asked' };
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    last = await stack.readiness();
    if (last.ready) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`telephony not ready after ${timeoutMs} ms: ${last.detail}`);
}

export { until };

/** Bounded poll of an async condition. */
export async function untilAsync(
  cond: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
