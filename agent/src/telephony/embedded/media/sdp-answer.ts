/**
 * RFC 3264 offer/answer for one audio stream: G.711 (PCMU 0, PCMA 8) over RTP/AVP plus
 * RFC 4733 telephone-event at the offerer's payload type. Every other m-line is refused with port 0.
 */
import type { G711 } from '../media-types.js';
import {
  attributeValues,
  directionOf,
  parseSdp,
  SdpParseError,
  serializeSdp,
  type SdpDirection,
  type SdpAttribute,
  type SdpMedia,
  type SdpSession,
} from './sdp.js';

/** Our packet time unless the offer asks for another: the 20 ms frame the rest of the agent uses. */
export const PTIME_MS = 20;
/** G.711 has no frames: any multiple of 10 ms up to 60 ms (RFC 3551 §4.5) is ours to send. */
const PTIME_STEP_MS = 10;
const MAX_PTIME_MS = 60;

/**
 * The packet time we send: the offer's a=ptime (rounded down to 10 ms steps, 10–60 ms), never above
 * its a=maxptime; without a=ptime, 20 ms unless maxptime is lower. Pure.
 */
export function choosePtime(ptime: number, maxptime: number): number {
  const cap = Math.min(MAX_PTIME_MS, maxptime > 0 ? maxptime : MAX_PTIME_MS);
  const want = ptime > 0 ? ptime : PTIME_MS;
  return Math.max(PTIME_STEP_MS, Math.floor(Math.min(want, cap) / PTIME_STEP_MS) * PTIME_STEP_MS);
}

export interface LocalSdpParams {
  /** Address written in c= and o= (the external address when behind NAT). */
  address: string;
  port: number;
  /** o= session id; stays the same for the whole call. */
  sessionId: string;
  /** o= version; the caller increments it when the answer changes (RFC 3264 §8). */
  sessionVersion: number;
  /** Codecs we accept; the offerer's order decides among them. Default both. */
  codecs?: readonly G711[];
}

export interface NegotiatedAudio {
  codec: G711;
  payloadType: number;
  /** Offerer's telephone-event payload type, when it offered one at 8000 Hz. */
  dtmfPayloadType?: number;
  remoteAddress: string;
  remotePort: number;
  /** Direction we put in the answer. */
  direction: SdpDirection;
  /** We may send RTP (answer sendrecv/sendonly and the peer gave a real address). */
  send: boolean;
  /** The peer may send RTP to us. */
  receive: boolean;
  /** Remote's requested ptime (its a=ptime), as offered. */
  remotePtimeMs?: number;
  /** The packet time we send (choosePtime; absent: 20 ms), and our answer's a=ptime. */
  ptimeMs?: number;
  /** RTCP shares the RTP port (RFC 5761: the offer had a=rtcp-mux, and our answer says so too). */
  rtcpMux?: boolean;
  /** The peer's RTCP port when its a=rtcp (RFC 3605) names one; otherwise RTP port + 1. */
  remoteRtcpPort?: number;
}

export type AnswerResult =
  { ok: true; answer: string; audio: NegotiatedAudio } | { ok: false; status: 400 | 488; reason: string };

const STATIC_PT: Record<string, G711> = { '0': 'PCMU', '8': 'PCMA' };
const ANSWER_DIRECTION: Record<SdpDirection, SdpDirection> = {
  sendrecv: 'sendrecv',
  sendonly: 'recvonly',
  recvonly: 'sendonly',
  inactive: 'inactive',
};

interface RtpMap {
  encoding: string;
  rate: number;
}

function rtpMaps(media: SdpMedia): Map<string, RtpMap> {
  const maps = new Map<string, RtpMap>();
  for (const v of attributeValues(media.attributes, 'rtpmap')) {
    const m = /^(\d+)\s+([^/\s]+)\/(\d+)/.exec(v);
    if (m) maps.set(m[1]!, { encoding: m[2]!.toUpperCase(), rate: Number(m[3]) });
  }
  return maps;
}

function codecOf(pt: string, maps: Map<string, RtpMap>): G711 | undefined {
  const map = maps.get(pt);
  if (map)
    return (map.encoding === 'PCMU' || map.encoding === 'PCMA') && map.rate === 8000
      ? map.encoding
      : undefined;
  return STATIC_PT[pt];
}

function isPlainRtp(proto: string): boolean {
  const p = proto.toUpperCase();
  return p === 'RTP/AVP' || p === 'RTP/AVPF';
}

interface Choice {
  index: number;
  codec: G711;
  payloadType: number;
  dtmfPayloadType?: number;
}

/** First usable audio m-line: plain RTP, non-zero port, a G.711 codec we accept. */
function chooseAudio(offer: SdpSession, accepted: readonly G711[]): Choice | { reason: string } {
  let reason = 'no audio stream offered';
  for (let i = 0; i < offer.media.length; i++) {
    const m = offer.media[i]!;
    if (m.type !== 'audio' || m.port === 0) continue;
    if (!isPlainRtp(m.proto)) {
      reason = `audio transport ${m.proto} is not supported (plain RTP/AVP only)`;
      continue;
    }
    const maps = rtpMaps(m);
    const pt = m.formats.find((f) => {
      const c = codecOf(f, maps);
      return c !== undefined && accepted.includes(c);
    });
    if (pt === undefined) {
      reason = `no common codec (we accept ${accepted.join(', ')})`;
      continue;
    }
    const choice: Choice = { index: i, codec: codecOf(pt, maps)!, payloadType: Number(pt) };
    const dtmf = m.formats.find((f) => {
      const map = maps.get(f);
      return map?.encoding === 'TELEPHONE-EVENT' && map.rate === 8000;
    });
    if (dtmf !== undefined) choice.dtmfPayloadType = Number(dtmf);
    return choice;
  }
  return { reason };
}

function rejectedCopy(m: SdpMedia): SdpMedia {
  return {
    type: m.type,
    port: 0,
    proto: m.proto,
    formats: m.formats.length ? [m.formats[0]!] : ['0'],
    attributes: [],
    other: [],
  };
}

function acceptedMedia(
  choice: Choice,
  direction: SdpDirection,
  local: LocalSdpParams,
  proto: string,
  rtcpMux: boolean,
  ptimeMs: number,
): SdpMedia {
  const formats = [String(choice.payloadType)];
  const attributes: SdpAttribute[] = [
    { name: 'rtpmap', value: `${choice.payloadType} ${choice.codec}/8000` },
  ];
  if (choice.dtmfPayloadType !== undefined) {
    formats.push(String(choice.dtmfPayloadType));
    attributes.push({ name: 'rtpmap', value: `${choice.dtmfPayloadType} telephone-event/8000` });
    attributes.push({ name: 'fmtp', value: `${choice.dtmfPayloadType} 0-16` });
  }
  attributes.push({ name: 'ptime', value: String(ptimeMs) }, { name: direction });
  if (rtcpMux) attributes.push({ name: 'rtcp-mux' });
  return { type: 'audio', port: local.port, proto, formats, attributes, other: [] };
}

function remoteConnection(offer: SdpSession, m: SdpMedia): { address: string; addrType: string } | undefined {
  const c = m.connection ?? offer.connection;
  return c ? { address: c.address, addrType: c.addrType } : undefined;
}

/** Produce our answer to an offer. Pure. */
export function answerOffer(offerText: string, local: LocalSdpParams): AnswerResult {
  let offer: SdpSession;
  try {
    offer = parseSdp(offerText);
  } catch (err) {
    if (err instanceof SdpParseError) return { ok: false, status: 400, reason: err.message };
    throw err;
  }
  const choice = chooseAudio(offer, local.codecs ?? ['PCMU', 'PCMA']);
  if ('reason' in choice) return { ok: false, status: 488, reason: choice.reason };
  const offered = offer.media[choice.index]!;
  const conn = remoteConnection(offer, offered);
  if (!conn) return { ok: false, status: 400, reason: 'audio stream has no c= line' };
  // c=0.0.0.0 is the RFC 2543 way of putting a call on hold: the peer does not want our media.
  const oldHold = conn.address === '0.0.0.0' || conn.address === '::';
  const offerDirection = directionOf(offer, offered);
  const direction = ANSWER_DIRECTION[oldHold && offerDirection === 'sendrecv' ? 'sendonly' : offerDirection];
  const rtcpMux = offered.attributes.some((a) => a.name === 'rtcp-mux');
  const ptime = Number(attributeValues(offered.attributes, 'ptime')[0]);
  const ptimeMs = choosePtime(ptime, Number(attributeValues(offered.attributes, 'maxptime')[0]));
  const media = offer.media.map((m, i) =>
    i === choice.index
      ? acceptedMedia(choice, direction, local, offered.proto, rtcpMux, ptimeMs)
      : rejectedCopy(m),
  );
  const addrType = local.address.includes(':') ? 'IP6' : 'IP4';
  const answer: SdpSession = {
    version: 0,
    origin: {
      username: '-',
      sessionId: local.sessionId,
      sessionVersion: String(local.sessionVersion),
      netType: 'IN',
      addrType,
      address: local.address,
    },
    name: 'switchboard',
    connection: { netType: 'IN', addrType, address: local.address },
    other: ['t=0 0'],
    attributes: [],
    media,
  };
  const audio: NegotiatedAudio = {
    codec: choice.codec,
    payloadType: choice.payloadType,
    remoteAddress: conn.address,
    remotePort: offered.port,
    direction,
    send: !oldHold && (direction === 'sendrecv' || direction === 'sendonly'),
    receive: direction === 'sendrecv' || direction === 'recvonly',
  };
  if (choice.dtmfPayloadType !== undefined) audio.dtmfPayloadType = choice.dtmfPayloadType;
  if (Number.isFinite(ptime) && ptime > 0) audio.remotePtimeMs = ptime;
  if (ptimeMs !== PTIME_MS) audio.ptimeMs = ptimeMs;
  if (rtcpMux) audio.rtcpMux = true;
  const rtcpPort = Number(/^(\d+)/.exec(attributeValues(offered.attributes, 'rtcp')[0] ?? '')?.[1]);
  if (rtcpPort > 0 && rtcpPort < 65536) audio.remoteRtcpPort = rtcpPort;
  return { ok: true, answer: serializeSdp(answer), audio };
}
