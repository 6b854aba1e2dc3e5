/**
 * Which source address may feed a call's RTP, and where symmetric RTP answers. Pure; the clock is
 * passed in. Modelled on rtpengine's "heuristic" endpoint learning and FreeSWITCH's rtp-autoadjust,
 * not on "latch onto the first packet from anyone" (a blind sprayer then gets the call's audio):
 *
 * - A packet from exactly the address:port the SDP named latches at once (rtpengine rank 0,
 *   FreeSWITCH "correct ip/port confirmed").
 * - Otherwise sources are candidates, ranked like rtpengine's: the SDP's address on another port
 *   (NAT rewrote the port), then the address the SIP request came from (a NATed phone signals and
 *   sends media from one public address), then anything else. A candidate must first send a run of
 *   `confirmPackets` in-sequence packets of one SSRC (FreeSWITCH counts 10 packets before adjusting);
 *   ranked candidates then latch at once, unranked ones only after the learning window (3 s after
 *   each offer, rtpengine's delay), and then the longest run wins.
 * - Once latched, other sources are dropped. Re-latching (NAT rebinding, mobile handover) needs a
 *   sustained stream from the new source — `relatchPackets` in sequence with one SSRC — while the
 *   latched source has been silent for `relatchQuietMs`: a sprayer cannot steal a live stream.
 */

export interface RtpEndpoint {
  address: string;
  port: number;
}

export interface RtpSourceLatchOptions {
  /** After each offer, how long unranked sources must wait before they can latch (ms, default 3000). */
  learnWindowMs?: number;
  /** In-sequence packets of one SSRC a candidate needs before it may latch (default 3). */
  confirmPackets?: number;
  /** In-sequence packets of one SSRC a new source needs to take over a latched call (default 50: 1 s). */
  relatchPackets?: number;
  /** The latched source must have been quiet this long before another may take over (ms, default 1000). */
  relatchQuietMs?: number;
  /** Candidates tracked at once; the least recently heard is forgotten first (default 8). */
  maxCandidates?: number;
}

/** 1: the SDP's address, other port; 2: the SIP signalling source; 3: anything else. */
type Rank = 1 | 2 | 3;

interface Candidate {
  from: RtpEndpoint;
  rank: Rank;
  ssrc: number;
  lastSeq: number;
  /** Consecutive in-sequence packets of `ssrc`. */
  run: number;
}

/** Largest forward sequence step still counted as the same stream (a few lost packets). */
const MAX_SEQ_STEP = 10;

export type LatchVerdict = 'accept' | 'drop';

export class RtpSourceLatch {
  private sdp: RtpEndpoint | undefined;
  private signal: string | undefined;
  private windowEnds = 0;
  private latchedTo: RtpEndpoint | undefined;
  private latchedHeardAt = 0;
  private readonly candidates = new Map<string, Candidate>();
  private readonly o: Required<RtpSourceLatchOptions>;
  /** Packets refused because they came from a source other than the latched one. */
  dropped = 0;
  /** How many times the latched source changed after the first latch. */
  relatches = 0;

  constructor(opts: RtpSourceLatchOptions = {}) {
    this.o = {
      learnWindowMs: opts.learnWindowMs ?? 3000,
      confirmPackets: opts.confirmPackets ?? 3,
      relatchPackets: opts.relatchPackets ?? 50,
      relatchQuietMs: opts.relatchQuietMs ?? 1000,
      maxCandidates: opts.maxCandidates ?? 8,
    };
  }

  /** The source accepted now, if any. */
  get source(): RtpEndpoint | undefined {
    return this.latchedTo;
  }

  /**
   * A new offer (the INVITE, or a re-INVITE that moved the stream): forget what was learnt and learn
   * again. `signalAddress` is where the SIP request came from.
   */
  reset(sdp: RtpEndpoint | undefined, signalAddress: string | undefined, now: number): void {
    this.sdp = sdp && sdp.port > 0 ? sdp : undefined;
    this.signal = signalAddress;
    this.windowEnds = now + this.o.learnWindowMs;
    this.latchedTo = undefined;
    this.candidates.clear();
  }

  /** A well-formed packet of a negotiated payload type arrived from `from`. */
  offer(from: RtpEndpoint, ssrc: number, seq: number, now: number): LatchVerdict {
    if (this.latchedTo && same(from, this.latchedTo)) {
      this.latchedHeardAt = now;
      return 'accept';
    }
    if (!this.latchedTo && this.sdp && same(from, this.sdp)) return this.latch(from, now);
    const c = this.track(from, ssrc, seq);
    if (this.latchedTo) {
      const quiet = now - this.latchedHeardAt >= this.o.relatchQuietMs;
      if (c.run < this.o.relatchPackets || !quiet) return this.drop();
      this.relatches++;
      return this.latch(from, now);
    }
    if (c.run < this.o.confirmPackets) return this.drop();
    if (c.rank < 3) return this.latch(from, now);
    if (now < this.windowEnds) return this.drop();
    const best = this.bestCandidate();
    return best && same(best.from, from) ? this.latch(from, now) : this.drop();
  }

  private latch(from: RtpEndpoint, now: number): LatchVerdict {
    this.latchedTo = { address: from.address, port: from.port };
    this.latchedHeardAt = now;
    this.candidates.clear();
    return 'accept';
  }

  private drop(): LatchVerdict {
    this.dropped++;
    return 'drop';
  }

  private track(from: RtpEndpoint, ssrc: number, seq: number): Candidate {
    const key = `${from.address}|${from.port}`;
    let c = this.candidates.get(key);
    if (c) {
      this.candidates.delete(key); // re-insert: most recently heard last
      const step = (seq - c.lastSeq) & 0xffff;
      c.run = c.ssrc === ssrc && step >= 1 && step <= MAX_SEQ_STEP ? c.run + 1 : 1;
      c.ssrc = ssrc;
      c.lastSeq = seq;
    } else {
      c = {
        from: { address: from.address, port: from.port },
        rank: this.rank(from),
        ssrc,
        lastSeq: seq,
        run: 1,
      };
    }
    this.candidates.set(key, c);
    while (this.candidates.size > this.o.maxCandidates) {
      const oldest = this.candidates.keys().next().value;
      if (oldest === undefined) break;
      this.candidates.delete(oldest);
    }
    return c;
  }

  private rank(from: RtpEndpoint): Rank {
    if (this.sdp && from.address === this.sdp.address) return 1;
    if (this.signal !== undefined && from.address === this.signal) return 2;
    return 3;
  }

  /** Lowest rank first, then the longest run, among candidates that qualified. */
  private bestCandidate(): Candidate | undefined {
    let best: Candidate | undefined;
    for (const c of this.candidates.values()) {
      if (c.run < this.o.confirmPackets) continue;
      if (!best || c.rank < best.rank || (c.rank === best.rank && c.run > best.run)) best = c;
    }
    return best;
  }
}

function same(a: RtpEndpoint, b: RtpEndpoint): boolean {
  return a.port === b.port && a.address === b.address;
}
