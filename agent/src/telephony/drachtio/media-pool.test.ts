import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../audio/clock.js';
import { backoffDelay } from './backoff.js';
import { MediaServerPool, serverLoad } from './media-pool.js';
import { FakeMrf, settle } from './testing/fakes.js';

const log = pino({ level: 'silent' });
const specs = [
  { host: 'fs1', port: 8021, secret: 's1' },
  { host: 'fs2', port: 8021, secret: 's2' },
];

describe('MediaServerPool', () => {
  it('picks the least loaded server by calls in progress / maxSessions', async () => {
    const mrf = new FakeMrf();
    const pool = new MediaServerPool(mrf, specs, new ManualClock(), log);
    pool.start();
    await settle();
    const fs1 = mrf.latest('fs1:8021');
    const fs2 = mrf.latest('fs2:8021');
    expect(pool.pick()).toBe(fs1);
    pool.acquire(fs1);
    expect(pool.pick()).toBe(fs2);
    // fs2 reports more sessions of its own (other apps) but a much bigger capacity.
    fs1.maxSessions = 10;
    fs2.maxSessions = 1000;
    fs2.currentSessions = 50;
    expect(serverLoad(1, fs1)).toBe(0.1);
    expect(pool.pick()).toBe(fs2);
    pool.stop();
  });

  it('release is idempotent and frees the slot', async () => {
    const mrf = new FakeMrf();
    const pool = new MediaServerPool(mrf, specs.slice(0, 1), new ManualClock(), log);
    pool.start();
    await settle();
    const fs1 = mrf.latest('fs1:8021');
    const release = pool.acquire(fs1);
    release();
    release();
    expect(pool.status()[0]).toMatchObject({ state: 'up', calls: 0 });
  });

  it('a media server restart: the lost one is dropped, reconnected after back-off; the other keeps serving', async () => {
    const mrf = new FakeMrf();
    const clock = new ManualClock();
    const pool = new MediaServerPool(mrf, specs, clock, log);
    pool.start();
    await settle();
    const old1 = mrf.latest('fs1:8021');
    const fs2 = mrf.latest('fs2:8021');
    pool.acquire(fs2);
    mrf.down.add('fs1:8021');
    old1.emit('end');
    expect(old1.disconnected).toBe(1);
    expect(pool.pick()).toBe(fs2);
    expect(pool.status().map((s) => s.state)).toEqual(['down', 'up']);
    clock.advance(499);
    expect(mrf.attempts.filter((a) => a === 'fs1:8021')).toHaveLength(1);
    clock.advance(1);
    await settle();
    expect(mrf.attempts.filter((a) => a === 'fs1:8021')).toHaveLength(2); // refused: next in 1000 ms
    mrf.down.clear();
    clock.advance(1000);
    await settle();
    const new1 = mrf.latest('fs1:8021');
    expect(new1).not.toBe(old1);
    expect(pool.pick()).toBe(new1);
    expect(pool.status()[1]).toMatchObject({ state: 'up', calls: 1 });
    pool.stop();
    expect(new1.disconnected).toBe(1);
  });

  it('initial connect failures back off exponentially up to the cap', async () => {
    const mrf = new FakeMrf();
    mrf.down.add('fs1:8021');
    const clock = new ManualClock();
    const pool = new MediaServerPool(mrf, specs.slice(0, 1), clock, log);
    pool.start();
    await settle();
    const times: number[] = [];
    for (let i = 0; i < 8; i++) {
      const before = mrf.attempts.length;
      let waited = 0;
      while (mrf.attempts.length === before && waited < 60_000) {
        clock.advance(100);
        waited += 100;
        await settle(2);
      }
      times.push(waited);
    }
    expect(times).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(backoffDelay(20)).toBe(30_000);
    pool.stop();
  });
});
