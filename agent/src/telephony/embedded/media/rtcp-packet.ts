/**
 * RTCP packet codec (RFC 3550 §6.4–6.6): sender and receiver reports with report blocks, SDES CNAME
 * and BYE, written as one compound packet; parsing of a compound packet with the validity checks of
 * RFC 3550 A.2. NTP time helpers for LSR/DLSR and round-trip time (§6.4.1). Pure.
 */

export const RTCP_SR = 200;
export const RTCP_RR = 201;
export const RTCP_SDES = 202;
export const RTCP_BYE = 203;
const SDES_CNAME = 1;

/** One reception report block (§6.4.1): what the reporter saw of `ssrc`. */
export interface ReportBlock {
  ssrc: number;
  /** Loss since the previous report, fixed point /256 (0–255). */
  fractionLost: number;
  /** Packets lost since the beginning, 24-bit signed (clamped). */
  cumulativeLost: number;
  /** Extended highest sequence number received (cycles << 16 | seq). */
  highestSeq: number;
  /** Interarrival jitter in RTP timestamp units. */
  jitter: number;
  /** Middle 32 bits of the NTP timestamp of the last SR from `ssrc` (0: none yet). */
  lsr: number;
  /** Delay since that SR, 1/65536 s (0: none yet). */
  dlsr: number;
}

export interface SenderInfo {
  /** NTP timestamp: seconds since 1900 and the fraction, each 32 bits. */
  ntpSec: number;
  ntpFrac: number;
  rtpTimestamp: number;
  packets: number;
  octets: number;
}

export type RtcpPacket =
  | { type: 'sr'; ssrc: number; sender: SenderInfo; reports: ReportBlock[] }
  | { type: 'rr'; ssrc: number; reports: ReportBlock[] }
  | { type: 'sdes'; chunks: Array<{ ssrc: number; cname?: string }> }
  | { type: 'bye'; ssrcs: number[]; reason?: string }
  | { type: 'other'; packetType: number };

export class RtcpParseError extends Error {
  readonly code = 'rtcp_parse';
  constructor(message: string) {
    super(message);
    this.name = 'RtcpParseError';
  }
}

/** RFC 5761 §4: on a muxed port, RTCP packet types 192–223 sit where RTP payload types 64–95 would. */
export function looksLikeRtcp(buf: Uint8Array): boolean {
  return buf.length >= 8 && buf[0]! >> 6 === 2 && buf[1]! >= 192 && buf[1]! <= 223;
}

/** Seconds between 1900 (NTP) and 1970 (Unix). */
const NTP_UNIX_OFFSET = 2_208_988_800;

/** NTP timestamp for a Unix time in ms (fractional ms allowed). */
export function ntpFromUnixMs(ms: number): { ntpSec: number; ntpFrac: number } {
  const sec = Math.floor(ms / 1000);
  const frac = Math.floor(((ms - sec * 1000) / 1000) * 0x100000000);
  return { ntpSec: (sec + NTP_UNIX_OFFSET) >>> 0, ntpFrac: frac >>> 0 };
}

/** The middle 32 bits of a 64-bit NTP timestamp (the compact form LSR and RTT use, units 1/65536 s). */
export function ntpMiddle(ntpSec: number, ntpFrac: number): number {
  return (((ntpSec & 0xffff) << 16) | (ntpFrac >>> 16)) >>> 0;
}

function header(count: number, type: number, words: number, out: Buffer, at: number): void {
  out[at] = 0x80 | (count & 0x1f);
  out[at + 1] = type;
  out.writeUInt16BE(words - 1, at + 2);
}

function writeBlock(b: ReportBlock, out: Buffer, at: number): void {
  out.writeUInt32BE(b.ssrc >>> 0, at);
  out[at + 4] = Math.max(0, Math.min(255, Math.round(b.fractionLost)));
  const lost = Math.max(-0x800000, Math.min(0x7fffff, Math.trunc(b.cumulativeLost)));
  out.writeIntBE(lost, at + 5, 3);
  out.writeUInt32BE(b.highestSeq >>> 0, at + 8);
  out.writeUInt32BE(Math.max(0, Math.floor(b.jitter)) >>> 0, at + 12);
  out.writeUInt32BE(b.lsr >>> 0, at + 16);
  out.writeUInt32BE(b.dlsr >>> 0, at + 20);
}

/** SR (PT 200) when `sender` is given, else RR (PT 201); at most 31 blocks. */
export function serializeReport(ssrc: number, sender: SenderInfo | undefined, blocks: ReportBlock[]): Buffer {
  if (blocks.length > 31) throw new RangeError('at most 31 report blocks per report');
  const size = 8 + (sender ? 20 : 0) + blocks.length * 24;
  const out = Buffer.alloc(size);
  header(blocks.length, sender ? RTCP_SR : RTCP_RR, size / 4, out, 0);
  out.writeUInt32BE(ssrc >>> 0, 4);
  let at = 8;
  if (sender) {
    out.writeUInt32BE(sender.ntpSec >>> 0, 8);
    out.writeUInt32BE(sender.ntpFrac >>> 0, 12);
    out.writeUInt32BE(sender.rtpTimestamp >>> 0, 16);
    out.writeUInt32BE(sender.packets >>> 0, 20);
    out.writeUInt32BE(sender.octets >>> 0, 24);
    at = 28;
  }
  for (const b of blocks) {
    writeBlock(b, out, at);
    at += 24;
  }
  return out;
}

/** SDES (PT 202) with one chunk: our SSRC and CNAME, null-terminated and padded to 32 bits. */
export function serializeSdes(ssrc: number, cname: string): Buffer {
  const text = Buffer.from(cname, 'utf8').subarray(0, 255);
  const chunk = 4 + 2 + text.length + 1; // SSRC, type+length, text, END
  const padded = Math.ceil(chunk / 4) * 4;
  const out = Buffer.alloc(4 + padded);
  header(1, RTCP_SDES, out.length / 4, out, 0);
  out.writeUInt32BE(ssrc >>> 0, 4);
  out[8] = SDES_CNAME;
  out[9] = text.length;
  text.copy(out, 10);
  return out;
}

/** BYE (PT 203) for one SSRC, with an optional reason. */
export function serializeBye(ssrc: number, reason?: string): Buffer {
  const text = reason ? Buffer.from(reason, 'utf8').subarray(0, 255) : undefined;
  const size = 8 + (text ? Math.ceil((1 + text.length) / 4) * 4 : 0);
  const out = Buffer.alloc(size);
  header(1, RTCP_BYE, size / 4, out, 0);
  out.writeUInt32BE(ssrc >>> 0, 4);
  if (text) {
    out[8] = text.length;
    text.copy(out, 9);
  }
  return out;
}

function readBlocks(buf: Buffer, at: number, count: number): ReportBlock[] {
  const blocks: ReportBlock[] = [];
  for (let i = 0; i < count; i++, at += 24) {
    blocks.push({
      ssrc: buf.readUInt32BE(at),
      fractionLost: buf[at + 4]!,
      cumulativeLost: buf.readIntBE(at + 5, 3),
      highestSeq: buf.readUInt32BE(at + 8),
      jitter: buf.readUInt32BE(at + 12),
      lsr: buf.readUInt32BE(at + 16),
      dlsr: buf.readUInt32BE(at + 20),
    });
  }
  return blocks;
}

function readSdes(buf: Buffer, at: number, end: number, count: number): RtcpPacket {
  const chunks: Array<{ ssrc: number; cname?: string }> = [];
  for (let i = 0; i < count && at + 4 <= end; i++) {
    const chunk: { ssrc: number; cname?: string } = { ssrc: buf.readUInt32BE(at) };
    at += 4;
    while (at < end && buf[at] !== 0) {
      const type = buf[at]!;
      const len = buf[at + 1] ?? 0;
      if (at + 2 + len > end) throw new RtcpParseError('SDES item truncated');
      if (type === SDES_CNAME) chunk.cname = buf.toString('utf8', at + 2, at + 2 + len);
      at += 2 + len;
    }
    at = (Math.floor(at / 4) + 1) * 4; // END item and padding to the next 32-bit boundary
    chunks.push(chunk);
  }
  return { type: 'sdes', chunks };
}

/**
 * Parse a compound packet. Throws RtcpParseError unless it passes RFC 3550 A.2: version 2, the first
 * packet an SR or RR without padding, and the lengths adding up to the datagram.
 */
export function parseRtcp(data: Uint8Array): RtcpPacket[] {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.length < 8) throw new RtcpParseError(`packet too short (${buf.length} bytes)`);
  if ((buf[0]! & 0xe0) !== 0x80 || (buf[1] !== RTCP_SR && buf[1] !== RTCP_RR))
    throw new RtcpParseError('a compound RTCP packet starts with a version 2 SR or RR, unpadded');
  const out: RtcpPacket[] = [];
  let at = 0;
  while (at < buf.length) {
    if (buf.length - at < 4 || buf[at]! >> 6 !== 2) throw new RtcpParseError('bad RTCP header');
    const count = buf[at]! & 0x1f;
    const type = buf[at + 1]!;
    const end = at + (buf.readUInt16BE(at + 2) + 1) * 4;
    if (end > buf.length) throw new RtcpParseError('RTCP length past the end of the datagram');
    const need = (n: number): void => {
      if (at + n > end) throw new RtcpParseError(`RTCP packet ${type} truncated`);
    };
    if (type === RTCP_SR) {
      need(28 + count * 24);
      const sender: SenderInfo = {
        ntpSec: buf.readUInt32BE(at + 8),
        ntpFrac: buf.readUInt32BE(at + 12),
        rtpTimestamp: buf.readUInt32BE(at + 16),
        packets: buf.readUInt32BE(at + 20),
        octets: buf.readUInt32BE(at + 24),
      };
      out.push({
        type: 'sr',
        ssrc: buf.readUInt32BE(at + 4),
        sender,
        reports: readBlocks(buf, at + 28, count),
      });
    } else if (type === RTCP_RR) {
      need(8 + count * 24);
      out.push({ type: 'rr', ssrc: buf.readUInt32BE(at + 4), reports: readBlocks(buf, at + 8, count) });
    } else if (type === RTCP_SDES) {
      out.push(readSdes(buf, at + 4, end, count));
    } else if (type === RTCP_BYE) {
      need(4 + count * 4);
      const ssrcs: number[] = [];
      for (let i = 0; i < count; i++) ssrcs.push(buf.readUInt32BE(at + 4 + i * 4));
      const r = at + 4 + count * 4;
      const bye: RtcpPacket = { type: 'bye', ssrcs };
      if (r < end && r + 1 + buf[r]! <= end) bye.reason = buf.toString('utf8', r + 1, r + 1 + buf[r]!);
      out.push(bye);
    } else out.push({ type: 'other', packetType: type });
    at = end;
  }
  return out;
}
