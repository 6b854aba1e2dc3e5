/**
 * One call's RTCP (RFC 3550 §6): a compound report (SR while we send, else RR; a reception block for
 * the caller's source once it has sent; SDES CNAME) every ~5 s, randomised as §6.3.1/A.7 ask (the
 * first after half the minimum), a BYE when the call ends, and what the caller's reports tell us:
 * round-trip time from the LSR/DLSR of its block about us (§6.4.1), its view of our loss and jitter.
 * No sockets here: RtpSession owns them (port+1, or the RTP port itself with rtcp-mux).
 */
import type { Clock, TimerHandle } from '../../../time/clock.js';
import {
  ntpFromUnixMs,
  ntpMiddle,
  parseRtcp,
  serializeBye,
  serializeReport,
  serializeSdes,
  type ReportBlock,
  type RtcpPacket,
  type SenderInfo,
} from './rtcp-packet.js';

/** RFC 3550 §6.2: the minimum interval between reports, ms. */
export const RTCP_MIN_INTERVAL_MS = 5000;
/** e − 3/2: compensates the randomisation for timer reconsideration (§6.3.1, A.7). */
const COMPENSATION = Math.E - 1.5;

export interface RtcpReporterOptions {
  clock: Clock;
  /** Unix time in ms at clock.now() = 0 is derived from this once (NTP timestamps). Default Date.now. */
  unixNow?: () => number;
  /** Uniform [0, 1); default Math.random. */
  random?: () => number;
  cname: string;
  ssrc: number;
  /** Our sending so far: packets, payload octets and the RTP timestamp for "now". */
  sending(): { packets: number; octets: number; rtpTimestamp: number };
  /** The caller's source and its reception figures since the last call; undefined before it sent. */
  receiving(): { ssrc: number; block: Omit<ReportBlock, 'ssrc' | 'lsr' | 'dlsr'> } | undefined;
  send(compound: Buffer): void;
}

export interface RtcpStats {
  reportsSent: number;
  reportsReceived: number;
  /** From the caller's last block about us (§6.4.1); undefined until it echoed one of our SRs. */
  rttMs?: number;
  /** The caller's view of our stream: its last fraction lost (0–1), cumulative loss, jitter (ms). */
  remoteFractionLost?: number;
  remotePacketsLost?: number;
  remoteJitterMs?: number;
}

export class RtcpReporter {
  private timer: TimerHandle | undefined;
  private readonly unixAtZero: number;
  private readonly random: () => number;
  /** Packets we had sent at the previous report: we are a sender if that count moved since. */
  private packetsAtLastReport = -1;
  /** Middle 32 bits of the caller's last SR and when it arrived (clock ms), for LSR/DLSR. */
  private lastSr: { middle: number; at: number } | undefined;
  private readonly s: RtcpStats = { reportsSent: 0, reportsReceived: 0 };
  private stopped = false;

  constructor(private readonly o: RtcpReporterOptions) {
    this.unixAtZero = (o.unixNow ?? Date.now)() - o.clock.now();
    this.random = o.random ?? Math.random;
  }

  /** First report after half the minimum interval (§6.2), randomised. */
  start(): void {
    if (this.timer || this.stopped) return;
    this.schedule(RTCP_MIN_INTERVAL_MS / 2);
  }

  private schedule(td: number): void {
    const ms = (td * (0.5 + this.random())) / COMPENSATION;
    this.timer = this.o.clock.setTimeout(() => {
      this.timer = undefined;
      if (this.stopped) return;
      this.o.send(this.compound());
      this.schedule(RTCP_MIN_INTERVAL_MS);
    }, ms);
  }

  private ntpNow(): { ntpSec: number; ntpFrac: number } {
    return ntpFromUnixMs(this.unixAtZero + this.o.clock.now());
  }

  /** SR or RR, then SDES CNAME (§6.1: every compound packet carries a CNAME). */
  compound(): Buffer {
    const sending = this.o.sending();
    const isSender = sending.packets > 0 && sending.packets !== this.packetsAtLastReport;
    this.packetsAtLastReport = sending.packets;
    let sender: SenderInfo | undefined;
    if (isSender)
      sender = {
        ...this.ntpNow(),
        rtpTimestamp: sending.rtpTimestamp,
        packets: sending.packets,
        octets: sending.octets,
      };
    const blocks: ReportBlock[] = [];
    const rx = this.o.receiving();
    if (rx) {
      const lsr = this.lastSr?.middle ?? 0;
      const dlsr = this.lastSr ? Math.round(((this.o.clock.now() - this.lastSr.at) / 1000) * 65536) : 0;
      blocks.push({ ssrc: rx.ssrc, ...rx.block, lsr, dlsr });
    }
    this.s.reportsSent++;
    return Buffer.concat([
      serializeReport(this.o.ssrc, sender, blocks),
      serializeSdes(this.o.ssrc, this.o.cname),
    ]);
  }

  /** A last report and our BYE (§6.6), for when the call ends; no further reports after it. */
  bye(reason?: string): Buffer {
    const out = Buffer.concat([this.compound(), serializeBye(this.o.ssrc, reason)]);
    this.stop();
    return out;
  }

  /**
   * A datagram from the caller's RTCP port. Returns the parsed packets, or undefined when it is not
   * valid RTCP (the caller counts it as refused).
   */
  receive(datagram: Uint8Array, clockRate = 8000): RtcpPacket[] | undefined {
    let packets: RtcpPacket[];
    try {
      packets = parseRtcp(datagram);
    } catch {
      return undefined;
    }
    this.s.reportsReceived++;
    const now = this.o.clock.now();
    for (const p of packets) {
      if (p.type === 'sr') this.lastSr = { middle: ntpMiddle(p.sender.ntpSec, p.sender.ntpFrac), at: now };
      if (p.type !== 'sr' && p.type !== 'rr') continue;
      const aboutUs = p.reports.find((b) => b.ssrc === this.o.ssrc);
      if (aboutUs) this.learn(aboutUs, clockRate);
    }
    return packets;
  }

  private learn(b: ReportBlock, clockRate: number): void {
    this.s.remoteFractionLost = b.fractionLost / 256;
    this.s.remotePacketsLost = b.cumulativeLost;
    this.s.remoteJitterMs = (b.jitter * 1000) / clockRate;
    if (b.lsr === 0) return; // it has not had an SR from us yet
    const now = this.ntpNow();
    const rtt = (ntpMiddle(now.ntpSec, now.ntpFrac) - b.lsr - b.dlsr) | 0; // wraps; negative: clock skew
    if (rtt >= 0) this.s.rttMs = (rtt / 65536) * 1000;
  }

  stats(): RtcpStats {
    return { ...this.s };
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) this.o.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
