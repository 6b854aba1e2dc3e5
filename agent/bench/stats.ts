/** Small statistics for benchmark samples: percentiles, summaries, RTP jitter. Pure, no I/O. */

export interface Summary {
  n: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile (p in 0..100) of unsorted values; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return percentileSorted(sorted, p);
}

function percentileSorted(sorted: readonly number[], p: number): number {
  const rank = Math.ceil((Math.min(100, Math.max(0, p)) / 100) * sorted.length);
  return sorted[Math.max(0, rank - 1)]!;
}

export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) return { n: 0, min: NaN, p50: NaN, p95: NaN, p99: NaN, max: NaN, mean: NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    n: sorted.length,
    min: sorted[0]!,
    p50: percentileSorted(sorted, 50),
    p95: percentileSorted(sorted, 95),
    p99: percentileSorted(sorted, 99),
    max: sorted[sorted.length - 1]!,
    mean: sum / sorted.length,
  };
}

/** Round every number of a summary to `digits` decimals (for reports). */
export function roundSummary(s: Summary, digits = 2): Summary {
  const f = 10 ** digits;
  const r = (v: number): number => (Number.isFinite(v) ? Math.round(v * f) / f : v);
  return {
    n: s.n,
    min: r(s.min),
    p50: r(s.p50),
    p95: r(s.p95),
    p99: r(s.p99),
    max: r(s.max),
    mean: r(s.mean),
  };
}

export interface ArrivalSample {
  /** Arrival time, ms. */
  at: number;
  /** RTP timestamp (wraps at 2^32). */
  rtpTs: number;
  seq: number;
}

/**
 * RFC 3550 §6.4.1 interarrival jitter (J += (|D| − J) / 16), in ms, over packets in arrival order.
 * The timestamp difference is unwrapped modulo 2^32 so it survives a wrap.
 */
export function rfc3550Jitter(packets: readonly ArrivalSample[], clockRate: number): number {
  let j = 0;
  for (let i = 1; i < packets.length; i++) {
    const a = packets[i - 1]!;
    const b = packets[i]!;
    const tsDelta = ((b.rtpTs - a.rtpTs) | 0) / (clockRate / 1000);
    const d = b.at - a.at - tsDelta;
    j += (Math.abs(d) - j) / 16;
  }
  return j;
}

/** |arrival gap − frame duration| for consecutive packets in arrival order (the pacing error), ms. */
export function pacingErrors(packets: readonly ArrivalSample[], frameMs: number): number[] {
  const out: number[] = [];
  for (let i = 1; i < packets.length; i++) out.push(Math.abs(packets[i]!.at - packets[i - 1]!.at - frameMs));
  return out;
}

/** Distance from a to b on the 16-bit sequence circle (b − a), in −32768..32767. */
export function seqDelta(a: number, b: number): number {
  return (((b - a) & 0xffff) << 16) >> 16;
}

export interface LossCount {
  received: number;
  expected: number;
  lost: number;
  duplicates: number;
}

/** Loss from sequence numbers in arrival order (extended across wraps; duplicates not counted as received). */
export function sequenceLoss(seqs: readonly number[]): LossCount {
  if (seqs.length === 0) return { received: 0, expected: 0, lost: 0, duplicates: 0 };
  const seen = new Set<number>();
  let ext = 0;
  let min = 0;
  let max = 0;
  let prev = seqs[0]!;
  let duplicates = 0;
  for (let i = 0; i < seqs.length; i++) {
    if (i > 0) ext += seqDelta(prev, seqs[i]!);
    prev = seqs[i]!;
    if (seen.has(ext)) duplicates++;
    seen.add(ext);
    min = Math.min(min, ext);
    max = Math.max(max, ext);
  }
  const expected = max - min + 1;
  return { received: seen.size, expected, lost: expected - seen.size, duplicates };
}
