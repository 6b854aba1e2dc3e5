import { describe, expect, it } from 'vitest';
import { pacingErrors, percentile, rfc3550Jitter, sequenceLoss, summarize } from './stats.js';

describe('percentile and summarize', () => {
  it('uses nearest rank on unsorted input', () => {
    const v = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(percentile(v, 50)).toBe(5);
    expect(percentile(v, 95)).toBe(10);
    expect(percentile(v, 10)).toBe(1);
    expect(percentile(v, 0)).toBe(1);
    expect(percentile([], 50)).toBeNaN();
  });

  it('summarizes min, max, mean and leaves the input untouched', () => {
    const v = [3, 1, 2];
    const s = summarize(v);
    expect(s).toMatchObject({ n: 3, min: 1, max: 3, mean: 2, p50: 2 });
    expect(v).toEqual([3, 1, 2]);
    expect(summarize([]).n).toBe(0);
  });
});

describe('RTP jitter', () => {
  it('is zero for perfectly paced packets and grows with arrival noise', () => {
    const even = Array.from({ length: 50 }, (_, i) => ({ at: i * 20, rtpTs: i * 160, seq: i }));
    expect(rfc3550Jitter(even, 8000)).toBe(0);
    const noisy = even.map((p, i) => ({ ...p, at: p.at + (i % 2 ? 4 : 0) }));
    const j = rfc3550Jitter(noisy, 8000);
    expect(j).toBeGreaterThan(3);
    expect(j).toBeLessThanOrEqual(4);
  });

  it('survives an RTP timestamp wrap', () => {
    const start = 2 ** 32 - 320;
    const pkts = Array.from({ length: 5 }, (_, i) => ({
      at: i * 20,
      rtpTs: (start + i * 160) >>> 0,
      seq: i,
    }));
    expect(rfc3550Jitter(pkts, 8000)).toBe(0);
  });

  it('reports each gap error against the frame time', () => {
    const pkts = [0, 20, 45, 60].map((at, i) => ({ at, rtpTs: i * 160, seq: i }));
    expect(pacingErrors(pkts, 20)).toEqual([0, 5, 5]);
  });
});

describe('sequenceLoss', () => {
  it('counts gaps across a 16-bit wrap', () => {
    expect(sequenceLoss([65534, 65535, 1, 2])).toEqual({ received: 4, expected: 5, lost: 1, duplicates: 0 });
  });

  it('does not count reordering or duplicates as loss', () => {
    expect(sequenceLoss([10, 12, 11, 12, 13])).toEqual({ received: 4, expected: 4, lost: 0, duplicates: 1 });
  });
});
