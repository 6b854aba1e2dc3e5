/** Per-call RTP counters: packets, bytes, loss (RFC 3550 A.3) and interarrival jitter (A.8). */
import { seqDelta } from './rtp-packet.js';

export class RtpReceiveStats {
  packets = 0;
  bytes = 0;
  private baseExt: number | undefined;
  private maxExt = 0;
  private jitter = 0;
  private lastTransit: number | undefined;
  private lostBefore = 0;

  constructor(private readonly clockRate = 8000) {}

  /**
   * One accepted packet: its sequence, RTP timestamp, arrival time (ms) and size. Pass no timestamp
   * for telephone-event packets: they count for loss, but their timestamp is the event's start.
   */
  record(sequence: number, timestamp: number | undefined, arrivalMs: number, bytes: number): void {
    this.packets++;
    this.packetsSinceBase++;
    this.bytes += bytes;
    if (this.baseExt === undefined) {
      this.baseExt = sequence;
      this.maxExt = sequence;
    } else {
      const ext = this.maxExt + seqDelta(this.maxExt & 0xffff, sequence);
      if (ext > this.maxExt) this.maxExt = ext;
    }
    if (timestamp === undefined) return;
    const transit = (arrivalMs * this.clockRate) / 1000 - timestamp;
    if (this.lastTransit !== undefined) {
      let d = Math.abs(transit - this.lastTransit);
      // Timestamps wrap at 2^32; a wrapped difference is not jitter.
      if (d > 0x80000000) d = Math.abs(d - 0x100000000);
      this.jitter += (d - this.jitter) / 16;
    }
    this.lastTransit = transit;
  }

  private packetsSinceBase = 0;

  /** A new SSRC started (sender restart, re-INVITE): new sequence space, loss so far is kept. */
  rebase(): void {
    this.lostBefore = this.lost;
    this.baseExt = undefined;
    this.lastTransit = undefined;
    this.packetsSinceBase = 0;
    this.expectedPrior = 0;
    this.receivedPrior = 0;
  }

  /** Expected minus received, never negative (duplicates can make received exceed expected). */
  get lost(): number {
    if (this.baseExt === undefined) return this.lostBefore;
    return this.lostBefore + Math.max(0, this.maxExt - this.baseExt + 1 - this.packetsSinceBase);
  }

  get jitterMs(): number {
    return (this.jitter * 1000) / this.clockRate;
  }

  private expectedPrior = 0;
  private receivedPrior = 0;

  /**
   * What an RTCP report block says of this source now (RFC 3550 A.3): loss since the previous call
   * (fraction /256), cumulative loss, extended highest sequence, jitter in timestamp units.
   * Undefined before the first packet.
   */
  reportSince():
    { fractionLost: number; cumulativeLost: number; highestSeq: number; jitter: number } | undefined {
    if (this.baseExt === undefined) return undefined;
    const expected = this.maxExt - this.baseExt + 1;
    const expectedInterval = expected - this.expectedPrior;
    const receivedInterval = this.packetsSinceBase - this.receivedPrior;
    this.expectedPrior = expected;
    this.receivedPrior = this.packetsSinceBase;
    const lostInterval = expectedInterval - receivedInterval;
    const fractionLost =
      expectedInterval > 0 && lostInterval > 0 ? Math.floor((lostInterval * 256) / expectedInterval) : 0;
    return {
      fractionLost: Math.min(255, fractionLost),
      cumulativeLost: this.lost,
      highestSeq: this.maxExt >>> 0,
      jitter: Math.floor(this.jitter),
    };
  }
}
