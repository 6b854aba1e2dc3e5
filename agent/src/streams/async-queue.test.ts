import { describe, expect, it } from 'vitest';
import { AsyncQueue } from './async-queue.js';

async function drain<T>(q: AsyncQueue<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of q) out.push(x);
  return out;
}

describe('AsyncQueue', () => {
  it('delivers pushed items in order to a waiting consumer and finishes on close()', async () => {
    const q = new AsyncQueue<number>();
    const p = drain(q);
    q.push(1);
    q.push(2);
    await Promise.resolve();
    q.push(3);
    q.close();
    q.push(4); // after end: dropped
    expect(await p).toEqual([1, 2, 3]);
  });

  it('fail() throws after the queued items', async () => {
    const q = new AsyncQueue<number>();
    q.push(1);
    q.fail(new Error('boom'));
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const x of q) seen.push(x);
      })(),
    ).rejects.toThrow('boom');
    expect(seen).toEqual([1]);
  });

  it('overflow fails with the configured error; break calls onReturn', async () => {
    const q = new AsyncQueue<number>({
      capacity: 2,
      overflow: 'fail',
      onOverflow: () => new Error('too many'),
    });
    q.push(1);
    q.push(2);
    q.push(3);
    await expect(drain(q)).rejects.toThrow('too many');
    let returned = 0;
    const r = new AsyncQueue<number>({ onReturn: () => returned++ });
    r.push(1);
    r.push(2);
    for await (const _x of r) break;
    expect(returned).toBe(1);
    expect(r.isClosed).toBe(true);
  });

  it('a drop-oldest queue keeps the newest items and counts what it dropped', async () => {
    const q = new AsyncQueue<number>({ capacity: 2 });
    for (const n of [1, 2, 3, 4]) q.push(n);
    q.close();
    expect(await drain(q)).toEqual([3, 4]);
    expect(q.dropped).toBe(2);
  });
});
