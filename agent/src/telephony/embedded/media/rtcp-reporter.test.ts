import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../time/clock.js';
import { ntpFromUnixMs, ntpMiddle, parseRtcp, serializeReport } from './rtcp-packet.js';
import { RtcpReporter, type RtcpReporterOptions } from './rtcp-reporter.js';

const OUR_SSRC = 0xabc;
const THEIR_SSRC = 0xdef;

function reporter(o: Partial<RtcpReporterOptions> = {}) {
  const clock = new ManualClock();
  const sent: Buffer[] = [];
  const out = { packets: 0, octets: 0, rtpTimestamp: 1000 };
  let rx: ReturnType<RtcpReporterOptions['receiving']>;
  const r = new RtcpReporter({
    clock,
    unixNow: () => 1_700_000_000_000,
    cname: 'sb@test',
    ssrc: OUR_SSRC,
    sending: () => out,
    receiving: () => rx,
    send: (b) => sent.push(b),
    ...o,
  });
  return { r, clock, sent, out, setRx: (v: typeof rx) => (rx = v) };
}

describe('RtcpReporter (RFC 3550 §6)', () => {
  it('reports every ~5 s randomised over [0.5, 1.5] × interval / (e − 3/2); the first after half of it', () => {
    const lo = reporter({ random: () => 0 });
    lo.r.start();
    lo.clock.advance(1025); // 2500 × 0.5 / 1.218 ≈ 1026
    expect(lo.sent).toHaveLength(0);
    lo.clock.advance(2);
    expect(lo.sent).toHaveLength(1);
    lo.clock.advance(2050); // then 5000 × 0.5 / 1.218 ≈ 2052.1 after the first: at 3078.1
    expect(lo.sent).toHaveLength(1);
    lo.clock.advance(2);
    expect(lo.sent).toHaveLength(2);
    const hi = reporter({ random: () => 0.999999 });
    hi.r.start();
    hi.clock.advance(3077 + 6156);
    expect(hi.sent).toHaveLength(1);
    hi.clock.advance(2);
    expect(hi.sent).toHaveLength(2);
  });

  it('SR while we send, RR once we stop; a reception block for the caller once it sent; CNAME always', () => {
    const t = reporter();
    const first = parseRtcp(t.r.compound());
    expect(first.map((p) => p.type)).toEqual(['rr', 'sdes']);
    expect(first[0]).toEqual({ type: 'rr', ssrc: OUR_SSRC, reports: [] });
    t.out.packets = 250;
    t.out.octets = 40_000;
    t.setRx({ ssrc: THEIR_SSRC, block: { fractionLost: 0, cumulativeLost: 0, highestSeq: 9, jitter: 4 } });
    const second = parseRtcp(t.r.compound());
    expect(second[0]).toMatchObject({
      type: 'sr',
      ssrc: OUR_SSRC,
      sender: { packets: 250, octets: 40_000, rtpTimestamp: 1000 },
      reports: [{ ssrc: THEIR_SSRC, highestSeq: 9, jitter: 4, lsr: 0, dlsr: 0 }],
    });
    expect(second[1]).toEqual({ type: 'sdes', chunks: [{ ssrc: OUR_SSRC, cname: 'sb@test' }] });
    expect(parseRtcp(t.r.compound())[0]!.type).toBe('rr'); // nothing sent since
  });

  it('echoes the caller SR as LSR with the delay since as DLSR', () => {
    const t = reporter();
    t.setRx({ ssrc: THEIR_SSRC, block: { fractionLost: 0, cumulativeLost: 0, highestSeq: 1, jitter: 0 } });
    const ntp = { ntpSec: 0x11112222, ntpFrac: 0x33334444 };
    t.r.receive(serializeReport(THEIR_SSRC, { ...ntp, rtpTimestamp: 0, packets: 1, octets: 160 }, []));
    t.clock.advance(250);
    const rr = parseRtcp(t.r.compound())[0]!;
    expect(rr.type === 'rr' && rr.reports[0]).toMatchObject({ lsr: 0x22223333, dlsr: 16384 });
  });

  it('round-trip time from the caller block about us: A − LSR − DLSR (§6.4.1)', () => {
    const t = reporter();
    t.out.packets = 10;
    const sr = parseRtcp(t.r.compound())[0]!;
    if (sr.type !== 'sr') throw new Error('expected an SR');
    const lsr = ntpMiddle(sr.sender.ntpSec, sr.sender.ntpFrac);
    expect(lsr).toBe(
      ntpMiddle(ntpFromUnixMs(1_700_000_000_000).ntpSec, ntpFromUnixMs(1_700_000_000_000).ntpFrac),
    );
    t.clock.advance(1300); // the caller held our SR for 1.2 s and the network took 100 ms in all
    const block = { ssrc: OUR_SSRC, fractionLost: 26, cumulativeLost: 7, highestSeq: 99, jitter: 80 };
    expect(
      t.r.receive(serializeReport(THEIR_SSRC, undefined, [{ ...block, lsr, dlsr: 1.2 * 65536 }])),
    ).toBeDefined();
    const s = t.r.stats();
    expect(s.rttMs).toBeCloseTo(100, 0);
    expect(s).toMatchObject({ remotePacketsLost: 7, remoteJitterMs: 10, reportsReceived: 1 });
    expect(s.remoteFractionLost).toBeCloseTo(0.1, 2);
    expect(t.r.receive(Buffer.from('not rtcp'))).toBeUndefined();
  });

  it('BYE ends it: a last report, then BYE, and no more reports', () => {
    const t = reporter();
    t.r.start();
    const types = parseRtcp(t.r.bye('hangup')).map((p) => p.type);
    expect(types).toEqual(['rr', 'sdes', 'bye']);
    t.clock.advance(60_000);
    expect(t.sent).toHaveLength(0);
  });
});
