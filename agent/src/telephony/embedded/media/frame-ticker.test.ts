import { describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../../../time/clock.js';
import { FrameTicker, LatenessHistogram } from './frame-ticker.js';

describe('FrameTicker (ManualClock)', () => {
  it('ticks every 20 ms on a schedule computed from the start, not chained', () => {
    const clock = new ManualClock();
    const ticker = new FrameTicker(clock);
    const at: number[] = [];
    const off = ticker.subscribe((tick) => at.push(clock.now() - tick * 20));
    clock.advance(7);
    ticker.subscribe(() => undefined)();
    clock.advance(200);
    off();
    expect(at).toHaveLength(11);
    expect(at.every((d) => d === 0)).toBe(true);
  });

  it('one timer serves every subscriber, each sees the same tick numbers', () => {
    const clock = new ManualClock();
    const ticker = new FrameTicker(clock);
    const seen: [string, number][] = [];
    const a = ticker.subscribe((t) => seen.push(['a', t]));
    clock.advance(20);
    const b = ticker.subscribe((t) => seen.push(['b', t]));
    clock.advance(20);
    expect(seen).toEqual([
      ['a', 0],
      ['a', 1],
      ['a', 2],
      ['b', 2],
    ]);
    a();
    b();
    expect(ticker.size).toBe(0);
  });

  it('a stalled loop catches up a few ticks back to back, and skips beyond that', () => {
    let now = 0;
    const pending: { at: number; fn: () => void }[] = [];
    const clock = {
      now: () => now,
      setTimeout: (fn: () => void, ms: number) => {
        pending.push({ at: now + ms, fn });
        return { id: pending.length };
      },
      clearTimeout: () => undefined,
    };
    const ticker = new FrameTicker(clock, 3); // catch up at most 3 ticks
    const ticks: number[] = [];
    ticker.subscribe((t) => ticks.push(t));
    const fire = (lateBy: number) => {
      const next = pending.shift()!;
      now = next.at + lateBy;
      next.fn();
    };
    fire(0); // tick 0
    fire(45); // due 20, ran at 65: ticks 1, 2, 3 back to back
    fire(0); // tick 4 at 80
    fire(150); // due 100, ran at 250: 7 behind > 3 → jump to 12
    expect(ticks).toEqual([0, 1, 2, 3, 4, 12]);
    expect(ticker.skippedTicks).toBe(7);
    expect(ticker.lateness.stats().maxMs).toBeCloseTo(45, 5);
  });

  it('a throwing subscriber does not stop the others', () => {
    const clock = new ManualClock();
    const ticker = new FrameTicker(clock);
    let n = 0;
    ticker.subscribe(() => {
      throw new Error('boom');
    });
    ticker.subscribe(() => n++);
    clock.advance(40);
    expect(n).toBe(3);
  });
});

describe('LatenessHistogram', () => {
  it('percentiles to 0.1 ms', () => {
    const h = new LatenessHistogram();
    for (let i = 0; i < 99; i++) h.record(1.02);
    h.record(30);
    const s = h.stats();
    expect(s.count).toBe(100);
    expect(s.p50Ms).toBeCloseTo(1.1, 5);
    expect(s.p99Ms).toBeCloseTo(1.1, 5);
    expect(s.maxMs).toBe(30);
  });
});

describe('FrameTicker on the real clock', () => {
  it('keeps 20 ms cadence over 2 s with bounded send jitter and no drift', async () => {
    const ticker = new FrameTicker(systemClock);
    const times: number[] = [];
    const start = performance.now();
    const off = ticker.subscribe(() => times.push(performance.now() - start));
    await new Promise((r) => setTimeout(r, 2010));
    off();
    const s = ticker.lateness.stats();
    console.log(
      `ticker real-time: ${s.count} ticks, lateness p50 ${s.p50Ms.toFixed(2)} ms, p99 ${s.p99Ms.toFixed(2)} ms, max ${s.maxMs.toFixed(2)} ms`,
    );
    // 2 s = 100 ticks (+1 for tick 0); generous for a loaded 2-core machine.
    expect(times.length).toBeGreaterThanOrEqual(98);
    expect(times.length).toBeLessThanOrEqual(102);
    // No drift: tick n runs close to n × 20 ms, whatever the lateness of earlier ticks.
    const last = times.length - 1;
    // (Chained setTimeout(20) loses ~1 ms per tick: ~95 ticks in 2 s, and more under load.)
    expect(times[last]! - last * 20).toBeLessThan(60);
    expect(s.p50Ms).toBeLessThan(15);
    expect(s.p99Ms).toBeLessThan(100);
  });
});
