/** RTP packet codec (RFC 3550 §5.1): fixed header, CSRC list, header extension, padding. Pure. */

export interface RtpPacket {
  payloadType: number;
  sequence: number;
  timestamp: number;
  ssrc: number;
  marker: boolean;
  csrcs: number[];
  extension?: { profile: number; data: Uint8Array };
  payload: Uint8Array;
  /** Padding bytes that followed the payload (0 when none). */
  paddingBytes: number;
}

export class RtpParseError extends Error {
  readonly code = 'rtp_parse';
  constructor(message: string) {
    super(message);
    this.name = 'RtpParseError';
  }
}

const HEADER = 12;

/** Parse one datagram; throws RtpParseError when it is not RTP version 2 or is truncated. */
export function parseRtp(buf: Uint8Array): RtpPacket {
  if (buf.length < HEADER) throw new RtpParseError(`packet too short (${buf.length} bytes)`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const b0 = buf[0]!;
  if (b0 >> 6 !== 2) throw new RtpParseError(`RTP version ${b0 >> 6}`);
  const cc = b0 & 0x0f;
  let at = HEADER + cc * 4;
  if (buf.length < at) throw new RtpParseError('CSRC list truncated');
  const csrcs: number[] = [];
  for (let i = 0; i < cc; i++) csrcs.push(view.getUint32(HEADER + i * 4));
  let extension: RtpPacket['extension'];
  if (b0 & 0x10) {
    if (buf.length < at + 4) throw new RtpParseError('extension header truncated');
    const profile = view.getUint16(at);
    const words = view.getUint16(at + 2);
    const end = at + 4 + words * 4;
    if (buf.length < end) throw new RtpParseError('extension truncated');
    extension = { profile, data: buf.subarray(at + 4, end) };
    at = end;
  }
  let end = buf.length;
  let paddingBytes = 0;
  if (b0 & 0x20) {
    paddingBytes = buf[buf.length - 1]!;
    if (paddingBytes === 0 || at + paddingBytes > buf.length) throw new RtpParseError('bad padding length');
    end -= paddingBytes;
  }
  const b1 = buf[1]!;
  const pkt: RtpPacket = {
    payloadType: b1 & 0x7f,
    marker: (b1 & 0x80) !== 0,
    sequence: view.getUint16(2),
    timestamp: view.getUint32(4),
    ssrc: view.getUint32(8),
    csrcs,
    payload: buf.subarray(at, end),
    paddingBytes,
  };
  if (extension) pkt.extension = extension;
  return pkt;
}

export interface RtpHeaderFields {
  payloadType: number;
  sequence: number;
  timestamp: number;
  ssrc: number;
  marker?: boolean;
  csrcs?: number[];
  extension?: { profile: number; data: Uint8Array };
  /** Total padding bytes to append (including the count byte), 0–255. */
  paddingBytes?: number;
}

/** Serialise a packet. Extension data must be a whole number of 32-bit words. */
export function serializeRtp(h: RtpHeaderFields, payload: Uint8Array): Buffer {
  const csrcs = h.csrcs ?? [];
  const ext = h.extension;
  if (ext && ext.data.length % 4 !== 0)
    throw new RangeError('RTP extension data must be a multiple of 4 bytes');
  const pad = h.paddingBytes ?? 0;
  const size = HEADER + csrcs.length * 4 + (ext ? 4 + ext.data.length : 0) + payload.length + pad;
  const out = Buffer.alloc(size);
  out[0] = 0x80 | (pad ? 0x20 : 0) | (ext ? 0x10 : 0) | (csrcs.length & 0x0f);
  out[1] = (h.marker ? 0x80 : 0) | (h.payloadType & 0x7f);
  out.writeUInt16BE(h.sequence & 0xffff, 2);
  out.writeUInt32BE(h.timestamp >>> 0, 4);
  out.writeUInt32BE(h.ssrc >>> 0, 8);
  let at = HEADER;
  for (const c of csrcs) {
    out.writeUInt32BE(c >>> 0, at);
    at += 4;
  }
  if (ext) {
    out.writeUInt16BE(ext.profile, at);
    out.writeUInt16BE(ext.data.length / 4, at + 2);
    out.set(ext.data, at + 4);
    at += 4 + ext.data.length;
  }
  out.set(payload, at);
  if (pad) out[size - 1] = pad;
  return out;
}

/** Signed distance a → b in 16-bit sequence space (-32768..32767). */
export function seqDelta(a: number, b: number): number {
  return (((b - a) & 0xffff) << 16) >> 16;
}
