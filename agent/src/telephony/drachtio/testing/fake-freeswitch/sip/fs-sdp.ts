/**
 * SDP the way the drachtio_mrf profile answers it: inbound-codec-negotiation=greedy (FreeSWITCH's
 * own codec preference order decides, not the offerer's), one codec plus telephone-event at the
 * offerer's payload type, ptime 20, the direction mirrored, "FreeSWITCH" origin and session name;
 * and the offer it makes for a 3PCC INVITE without SDP (enable-3pcc=true). Parsing reuses the
 * embedded gateway's SDP codec. Plain RTP/AVP only: SRTP is not modelled (refused with 488).
 */
import type { G711 } from '../../../../embedded/media-types.js';
import {
  attributeValues,
  directionOf,
  parseSdp,
  SdpParseError,
  type SdpDirection,
  type SdpSession,
} from '../../../../embedded/media/sdp.js';
import type { NegotiatedAudio } from '../../../../embedded/media/sdp-answer.js';

export const TE_PAYLOAD = 101;

const STATIC: Record<string, G711> = { '0': 'PCMU', '8': 'PCMA' };
const MIRROR: Record<SdpDirection, SdpDirection> = {
  sendrecv: 'sendrecv',
  sendonly: 'recvonly',
  recvonly: 'sendonly',
  inactive: 'inactive',
};

export type Negotiation =
  { ok: true; audio: NegotiatedAudio } | { ok: false; reason: string; parseError?: boolean };

function rtpmaps(offer: SdpSession, i: number): Map<string, { name: string; rate: number }> {
  const maps = new Map<string, { name: string; rate: number }>();
  for (const v of attributeValues(offer.media[i]!.attributes, 'rtpmap')) {
    const m = /^(\d+)\s+([^/\s]+)\/(\d+)/.exec(v);
    if (m) maps.set(m[1]!, { name: m[2]!.toUpperCase(), rate: Number(m[3]) });
  }
  return maps;
}

/** Greedy: the first codec in OUR preference list that the offer has. */
export function negotiate(sdpText: string, prefs: readonly G711[]): Negotiation {
  let offer: SdpSession;
  try {
    offer = parseSdp(sdpText);
  } catch (err) {
    if (err instanceof SdpParseError) return { ok: false, reason: err.message, parseError: true };
    throw err;
  }
  const idx = offer.media.findIndex((m) => m.type === 'audio' && m.port !== 0);
  if (idx < 0) return { ok: false, reason: 'no audio stream offered' };
  const m = offer.media[idx]!;
  if (m.proto.toUpperCase() !== 'RTP/AVP') return { ok: false, reason: `transport ${m.proto} not modelled` };
  const maps = rtpmaps(offer, idx);
  const codecOf = (pt: string): G711 | undefined => {
    const map = maps.get(pt);
    if (map) return (map.name === 'PCMU' || map.name === 'PCMA') && map.rate === 8000 ? map.name : undefined;
    return STATIC[pt];
  };
  let chosen: { codec: G711; pt: number } | undefined;
  for (const codec of prefs) {
    const pt = m.formats.find((f) => codecOf(f) === codec);
    if (pt !== undefined) {
      chosen = { codec, pt: Number(pt) };
      break;
    }
  }
  if (!chosen) return { ok: false, reason: 'no common codec' };
  const te = m.formats.find((f) => {
    const map = maps.get(f);
    return map?.name === 'TELEPHONE-EVENT' && map.rate === 8000;
  });
  const c = m.connection ?? offer.connection;
  if (!c) return { ok: false, reason: 'no c= line', parseError: true };
  const direction = MIRROR[directionOf(offer, m)];
  const hold = c.address === '0.0.0.0';
  const audio: NegotiatedAudio = {
    codec: chosen.codec,
    payloadType: chosen.pt,
    remoteAddress: c.address,
    remotePort: m.port,
    direction,
    send: !hold && (direction === 'sendrecv' || direction === 'sendonly'),
    receive: direction === 'sendrecv' || direction === 'recvonly',
  };
  if (te !== undefined) audio.dtmfPayloadType = Number(te);
  const ptime = Number(attributeValues(m.attributes, 'ptime')[0]);
  if (ptime > 0) audio.remotePtimeMs = ptime;
  return { ok: true, audio };
}

export interface LocalMedia {
  address: string;
  port: number;
  /** o= session id and version (FreeSWITCH: epoch seconds, and that + 1). */
  sessionId: string;
  version: number;
}

function head(l: LocalMedia): string[] {
  return [
    'v=0',
    `o=FreeSWITCH ${l.sessionId} ${l.version} IN IP4 ${l.address}`,
    's=FreeSWITCH',
    `c=IN IP4 ${l.address}`,
    't=0 0',
  ];
}

export function buildAnswer(l: LocalMedia, a: NegotiatedAudio): string {
  const pts = [a.payloadType, ...(a.dtmfPayloadType !== undefined ? [a.dtmfPayloadType] : [])];
  const lines = [
    ...head(l),
    `m=audio ${l.port} RTP/AVP ${pts.join(' ')}`,
    `a=rtpmap:${a.payloadType} ${a.codec}/8000`,
  ];
  if (a.dtmfPayloadType !== undefined) {
    lines.push(`a=rtpmap:${a.dtmfPayloadType} telephone-event/8000`, `a=fmtp:${a.dtmfPayloadType} 0-16`);
  }
  lines.push('a=ptime:20', `a=${a.direction}`);
  return lines.join('\r\n') + '\r\n';
}

/** The offer in the 200 OK to a 3PCC INVITE (no SDP): every preferred codec and telephone-event/101. */
export function buildOffer(l: LocalMedia, prefs: readonly G711[]): string {
  const pts = prefs.map((c) => (c === 'PCMU' ? 0 : 8));
  const lines = [...head(l), `m=audio ${l.port} RTP/AVP ${[...pts, TE_PAYLOAD].join(' ')}`];
  prefs.forEach((c, i) => lines.push(`a=rtpmap:${pts[i]} ${c}/8000`));
  lines.push(
    `a=rtpmap:${TE_PAYLOAD} telephone-event/8000`,
    `a=fmtp:${TE_PAYLOAD} 0-16`,
    'a=ptime:20',
    'a=sendrecv',
  );
  return lines.join('\r\n') + '\r\n';
}
