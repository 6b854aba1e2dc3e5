/**
 * The first check every datagram on a call's RTP port passes, before anything else sees it: it must
 * parse as RTP, carry a payload type the SDP negotiated, and have a payload that type can hold.
 * An empty audio payload would become an empty PCM frame, and an empty frame on the fork means
 * "shut the call down" (mod_audio_fork): it never gets past here. Pure.
 */
import { parseRtp, RtpParseError, type RtpPacket } from './rtp-packet.js';

/** Comfort-noise payload type (RFC 3389). */
export const PT_CN = 13;
/** G.711 at 8 kHz: 200 ms of audio in one packet is already far beyond any ptime phones use. */
export const MAX_AUDIO_PAYLOAD = 1600;
/** An RFC 4733 event is 4 bytes; several may be packed into one packet. */
const DTMF_EVENT_BYTES = 4;

export type RtpKind = 'audio' | 'dtmf' | 'cn';
export type RtpDropReason = 'malformed' | 'payload-type' | 'empty' | 'oversized';

export interface RtpFormat {
  payloadType: number;
  dtmfPayloadType?: number;
}

export type RtpClassified =
  { ok: true; kind: RtpKind; packet: RtpPacket } | { ok: false; reason: RtpDropReason };

export function classifyRtp(datagram: Uint8Array, format: RtpFormat): RtpClassified {
  let packet: RtpPacket;
  try {
    packet = parseRtp(datagram);
  } catch (err) {
    if (err instanceof RtpParseError) return { ok: false, reason: 'malformed' };
    throw err;
  }
  const kind = kindOf(packet.payloadType, format);
  if (!kind) return { ok: false, reason: 'payload-type' };
  const size = packet.payload.length;
  if (size === 0) return { ok: false, reason: 'empty' };
  if (kind === 'dtmf' && size % DTMF_EVENT_BYTES !== 0) return { ok: false, reason: 'malformed' };
  if (kind === 'audio' && size > MAX_AUDIO_PAYLOAD) return { ok: false, reason: 'oversized' };
  return { ok: true, kind, packet };
}

function kindOf(pt: number, f: RtpFormat): RtpKind | undefined {
  if (pt === f.payloadType) return 'audio';
  if (f.dtmfPayloadType !== undefined && pt === f.dtmfPayloadType) return 'dtmf';
  if (pt === PT_CN) return 'cn';
  return undefined;
}

/** Drop counters by reason, for stats and metrics. */
export type RtpDropCounts = Record<RtpDropReason | 'source', number>;

export function emptyDropCounts(): RtpDropCounts {
  return { malformed: 0, 'payload-type': 0, empty: 0, oversized: 0, source: 0 };
}
