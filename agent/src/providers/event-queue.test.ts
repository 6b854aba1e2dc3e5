import { describe, expect, it } from 'vitest';
import { EventQueue } from './event-queue.js';

async function drain<T>(q: EventQueue<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of q) out.push(x);
  return out;
}

describe('EventQueue', () => {
  it('delivers pushed items in order to a waiting consumer and finishes on end()', async () => {
    const q = new EventQueue<number>();
    const p = drain(q);
    q.push(1);
    q.push(2);
    await Promise.resolve();
    q.push(3);
    q.end();
    q.push(4); // after end: dropped
    expect(await p).toEqual([1, 2, 3]);
  });

  it('fail() throws after the queued items', async () => {
    const q = new EventQueue<number>();
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
    const q = new EventQueue<number>({ capacity: 2, onOverflow: () => new Error('too many') });
    q.push(1);
    q.push(2);
    q.push(3);
    await expect(drain(q)).rejects.toThrow('too many');
    let returned = 0;
    const r = new EventQueue<number>({ onReturn: () => returned++ });
    r.push(1);
    r.push(2);
    for await (const _x of r) break;
    expect(returned).toBe(1);
    expect(r.isEnded).toBe(true);
  });
});
