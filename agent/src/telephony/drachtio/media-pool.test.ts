/**
 * The media-server pool over the REAL drachtio-fsmrf (createRealMrf) and fake FreeSWITCH event sockets:
 * load from real HEARTBEAT events, a crash seen as fsmrf's own 'end', reconnection on the pool's
 * back-off (a ManualClock drives the retry timers; connections are real).
 */
import Srf from 'drachtio-srf';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../time/clock.js';
import { backoffDelay } from './backoff.js';
import { MediaServerPool, serverLoad } from './media-pool.js';
import { createRealMrf } from './real-adapters.js';
import { startFakeFreeswitch, type FakeFreeswitchHandle } from './testing/fake-freeswitch/index.js';
import type { MediaServerSpec, MrfLike } from './types.js';

const log = pino({ level: 'silent' });
const SECRET = 'pool-esl-password';

const servers: FakeFreeswitchHandle[] = [];
let pool: MediaServerPool | undefined;
afterEach(async () => {
  pool?.stop();
  pool = undefined;
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function freeswitch(o: { maxSessions?: number; eslPort?: number } = {}): Promise<FakeFreeswitchHandle> {
  const fs = await startFakeFreeswitch({ secret: SECRET, heartbeatIntervalMs: 0, ...o });
  servers.push(fs);
  return fs;
}

const spec = (fs: { eslPort: number }): MediaServerSpec => ({
  host: '127.0.0.1',
  port: fs.eslPort,
  secret: SECRET,
});

/** The real fsmrf adapter, counting its connect attempts. */
function countingMrf(): { mrf: MrfLike; attempts: () => number } {
  const real = createRealMrf(new Srf(), { listenAddress: '127.0.0.1', advertisedAddress: '127.0.0.1' });
  let n = 0;
  return {
    mrf: {
      connect: (s) => {
        n++;
        return real.connect(s);
      },
    },
    attempts: () => n,
  };
}

async function until(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('MediaServerPool with the real drachtio-fsmrf', () => {
  it('offers the least loaded server first: calls in progress ÷ max-sessions from the heartbeat', async () => {
    const small = await freeswitch({ maxSessions: 10 });
    const big = await freeswitch({ maxSessions: 1000 });
    pool = new MediaServerPool(countingMrf().mrf, [spec(small), spec(big)], new ManualClock(), log);
    pool.start();
    await until(() => pool!.upCount === 2, 'both up');
    const [first, second] = pool.candidates();
    expect(pool.pick()).toBe(first);
    pool.acquire(first!);
    expect(pool.candidates()[0]).toBe(second); // 1 call vs none, before any heartbeat
    small.emitHeartbeat();
    big.emitHeartbeat();
    await until(() => first!.maxSessions > 0 && second!.maxSessions > 0, 'heartbeats');
    expect(first!.maxSessions).toBe(10);
    expect(serverLoad(1, first!)).toBeCloseTo(0.1);
    pool.acquire(second!);
    pool.acquire(second!);
    expect(pool.candidates()[0]).toBe(second); // 2/1000 beats 1/10
  });

  it('a crashed FreeSWITCH is dropped at once; it is reconnected after the back-off when it is back', async () => {
    const fs1 = await freeswitch();
    const fs2 = await freeswitch();
    const clock = new ManualClock();
    const counted = countingMrf();
    pool = new MediaServerPool(counted.mrf, [spec(fs1), spec(fs2)], clock, log);
    pool.start();
    await until(() => pool!.upCount === 2, 'both up');
    const survivor = pool.candidates()[1]!;
    pool.acquire(survivor);
    const port = fs1.eslPort;
    fs1.crash('test');
    await until(() => pool!.status()[0]!.state === 'down', 'first down');
    expect(pool.candidates()).toEqual([survivor]);
    expect(pool.status()[0]!.reason).toBeDefined();
    clock.advance(500); // still gone: refused, next try in 1000 ms
    await until(() => counted.attempts() === 3 && pool!.status()[0]!.state === 'down', 'refused retry');
    await freeswitch({ eslPort: port });
    clock.advance(1000);
    await until(() => pool!.upCount === 2, 'back up');
    expect(pool.status()[1]).toMatchObject({ state: 'up', calls: 1 });
  });

  it('a server that refuses a call is down until it reconnects, and keeps backing off until it takes one', async () => {
    const fs = await freeswitch();
    const clock = new ManualClock();
    const counted = countingMrf();
    pool = new MediaServerPool(counted.mrf, [spec(fs)], clock, log);
    pool.start();
    await until(() => pool!.upCount === 1, 'up');
    const server = pool.pick()!;
    pool.refused(server, '503');
    expect(pool.status()[0]).toMatchObject({ state: 'down', reason: 'refused a call: 503' });
    clock.advance(500);
    await until(() => pool!.upCount === 1, 'reconnected');
    pool.refused(pool.pick()!, '503');
    clock.advance(500);
    await new Promise((r) => setTimeout(r, 200));
    expect(pool.upCount).toBe(0); // the back-off grew: 1000 ms this time
    clock.advance(500);
    await until(() => pool!.upCount === 1, 'reconnected again');
    pool.tookCall(pool.pick()!);
    pool.refused(pool.pick()!, '503');
    clock.advance(500);
    await until(() => pool!.upCount === 1, 'reset back-off after a call was taken');
  });

  it('initial connect failures back off exponentially up to the cap', async () => {
    const closed = await freeswitch();
    const port = closed.eslPort;
    await closed.stop();
    servers.length = 0;
    const clock = new ManualClock();
    const counted = countingMrf();
    pool = new MediaServerPool(counted.mrf, [{ host: '127.0.0.1', port, secret: SECRET }], clock, log);
    pool.start();
    await until(() => pool!.status()[0]!.state === 'down', 'first refusal');
    const waits: number[] = [];
    for (let i = 0; i < 7; i++) {
      const before = counted.attempts();
      let waited = 0;
      while (counted.attempts() === before && waited < 60_000) {
        clock.advance(100);
        waited += 100;
        await new Promise((r) => setImmediate(r));
      }
      waits.push(waited);
      await until(() => pool!.status()[0]!.state === 'down', `refusal ${i + 2}`);
    }
    expect(waits).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000]);
    expect(backoffDelay(20)).toBe(30_000);
  });
});
