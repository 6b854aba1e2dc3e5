import { describe, expect, it } from 'vitest';
import { RtpSourceLatch, type RtpEndpoint } from './rtp-source-latch.js';

const SDP: RtpEndpoint = { address: '192.0.2.10', port: 40000 };
const SIGNAL = '198.51.100.7';
const SPRAYER: RtpEndpoint = { address: '203.0.113.66', port: 5004 };

/** Feed `n` in-sequence packets of one SSRC from `from`, 20 ms apart from `t0`; the verdicts. */
function stream(
  latch: RtpSourceLatch,
  from: RtpEndpoint,
  n: number,
  o: { ssrc?: number; seq0?: number; t0?: number } = {},
) {
  const out: string[] = [];
  for (let i = 0; i < n; i++)
    out.push(latch.offer(from, o.ssrc ?? 1, (o.seq0 ?? 100) + i, (o.t0 ?? 0) + i * 20));
  return out;
}

function fresh(opts = {}): RtpSourceLatch {
  const l = new RtpSourceLatch(opts);
  l.reset(SDP, SIGNAL, 0);
  return l;
}

describe('RtpSourceLatch', () => {
  it('latches at once on the address:port the SDP named, and then refuses everyone else', () => {
    const l = fresh();
    expect(l.offer(SDP, 7, 1, 0)).toBe('accept');
    expect(l.source).toEqual(SDP);
    expect(stream(l, SPRAYER, 20)).toEqual(Array(20).fill('drop'));
    expect(l.offer(SDP, 7, 2, 20)).toBe('accept');
  });

  it('a single packet from a stranger never latches, however early it arrives (blind spraying)', () => {
    const l = fresh();
    for (let i = 0; i < 10; i++) expect(l.offer(SPRAYER, 1000 + i, i * 977, 5000 + i)).toBe('drop');
    expect(l.source).toBeUndefined();
    expect(l.offer(SDP, 7, 1, 6000)).toBe('accept');
    expect(l.source).toEqual(SDP);
  });

  it('NAT: the SDP address on another port, or the SIP source address, latch after 3 in-sequence packets', () => {
    const nat = { address: SDP.address, port: 61000 };
    const l = fresh();
    expect(stream(l, nat, 4)).toEqual(['drop', 'drop', 'accept', 'accept']);
    expect(l.source).toEqual(nat);

    const viaSignal = { address: SIGNAL, port: 1234 };
    const l2 = fresh();
    expect(stream(l2, viaSignal, 3)).toEqual(['drop', 'drop', 'accept']);
  });

  it('a run is one SSRC in sequence: a sprayer changing SSRC or jumping sequence numbers never builds one', () => {
    const l = fresh();
    const ranked = { address: SIGNAL, port: 9 };
    expect(l.offer(ranked, 1, 10, 0)).toBe('drop');
    expect(l.offer(ranked, 2, 11, 20)).toBe('drop'); // other SSRC: run starts again
    expect(l.offer(ranked, 2, 500, 40)).toBe('drop'); // sequence jump: again
    expect(l.offer(ranked, 2, 501, 60)).toBe('drop');
    expect(l.offer(ranked, 2, 502, 80)).toBe('accept');
  });

  it('an unrelated source may latch only after the learning window, and the longest run wins', () => {
    const caller = { address: '203.0.113.5', port: 7078 };
    const l = fresh({ learnWindowMs: 3000 });
    // During the window both stream; a short burst from the sprayer, a steady stream from the caller.
    expect(stream(l, SPRAYER, 4, { ssrc: 99, t0: 100 })).toEqual(Array(4).fill('drop'));
    expect(stream(l, caller, 140, { t0: 200 })).toEqual(Array(140).fill('drop'));
    expect(l.source).toBeUndefined();
    expect(l.offer(SPRAYER, 99, 104, 3100)).toBe('drop'); // after the window, but not the best run
    expect(l.offer(caller, 1, 240, 3120)).toBe('accept');
    expect(l.source).toEqual(caller);
  });

  it('re-latches only on a sustained stream while the latched source is quiet (NAT rebinding)', () => {
    const l = fresh({ relatchPackets: 50, relatchQuietMs: 1000 });
    expect(l.offer(SDP, 7, 1, 0)).toBe('accept');
    // A sprayer streaming while the caller still talks gets nothing, however long it streams.
    for (let i = 0; i < 100; i++) {
      expect(l.offer(SPRAYER, 5, 1000 + i, 20 + i * 20)).toBe('drop');
      expect(l.offer(SDP, 7, 2 + i, 21 + i * 20)).toBe('accept');
    }
    // The caller's NAT rebinds: the old source goes quiet, the new one streams with one SSRC.
    const rebound = { address: '192.0.2.10', port: 40100 };
    const verdicts = stream(l, rebound, 60, { ssrc: 7, seq0: 200, t0: 4000 });
    expect(verdicts.indexOf('accept')).toBe(49);
    expect(l.source).toEqual(rebound);
    expect(l.relatches).toBe(1);
    expect(l.offer(SDP, 7, 300, 6000)).toBe('drop');
  });

  it('a new offer learns afresh', () => {
    const l = fresh();
    expect(l.offer(SDP, 7, 1, 0)).toBe('accept');
    const moved = { address: '192.0.2.11', port: 41000 };
    l.reset(moved, SIGNAL, 100);
    expect(l.source).toBeUndefined();
    expect(l.offer(SDP, 7, 2, 120)).toBe('drop');
    expect(l.offer(moved, 8, 1, 140)).toBe('accept');
  });

  it('keeps a bounded number of candidates', () => {
    const l = fresh({ maxCandidates: 4 });
    for (let p = 0; p < 1000; p++) l.offer({ address: '203.0.113.9', port: 1024 + p }, p, 1, p);
    expect(l.source).toBeUndefined();
    expect(l.dropped).toBe(1000);
  });
});
