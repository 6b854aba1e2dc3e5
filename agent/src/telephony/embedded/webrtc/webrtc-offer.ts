/**
 * Pure helpers that tell a WebRTC offer from a plain-RTP one and read what the answer chose, so the
 * gateway can pick plain-RTP media or WebRTC media by the INVITE's SDP.
 */
import type { G711 } from '../media-types.js';

/** True when the first audio m-line uses the WebRTC profile (UDP/TLS/RTP/SAVPF, RFC 5764 / RFC 8827). */
export function isWebRtcOffer(sdp: string): boolean {
  const m = /^m=audio\s+\d+(?:\/\d+)?\s+(\S+)/m.exec(sdp);
  return m !== null && /^UDP\/TLS\/RTP\/SAVPF$/i.test(m[1]!);
}

export type MediaKind = 'webrtc' | 'rtp';

export function mediaKindForOffer(sdp: string): MediaKind {
  return isWebRtcOffer(sdp) ? 'webrtc' : 'rtp';
}

export interface AnsweredAudio {
  codec: G711;
  payloadType: number;
  dtmfPayloadType?: number;
}

/** The codec the answer put first on its audio m-line, and its telephone-event payload type. */
export function answeredAudio(answerSdp: string): AnsweredAudio | undefined {
  const m = /^m=audio\s+\d+\s+\S+\s+([\d ]+)/m.exec(answerSdp);
  if (!m) return undefined;
  const pts = m[1]!.trim().split(/\s+/).map(Number);
  const names = new Map<number, string>();
  const rates = new Map<number, number>();
  for (const r of answerSdp.matchAll(/^a=rtpmap:(\d+)\s+([^/\s]+)\/(\d+)/gm)) {
    names.set(Number(r[1]), r[2]!.toUpperCase());
    rates.set(Number(r[1]), Number(r[3]));
  }
  const nameOf = (pt: number) => names.get(pt) ?? (pt === 0 ? 'PCMU' : pt === 8 ? 'PCMA' : undefined);
  const audioPt = pts.find((pt) => nameOf(pt) === 'PCMU' || nameOf(pt) === 'PCMA');
  if (audioPt === undefined) return undefined;
  const out: AnsweredAudio = { codec: nameOf(audioPt) as G711, payloadType: audioPt };
  // G.711 runs at 8 kHz, so only an 8 kHz telephone-event can share its RTP clock (RFC 4733 §2.1).
  const dtmf = pts.find((pt) => nameOf(pt) === 'TELEPHONE-EVENT' && rates.get(pt) === 8000);
  if (dtmf !== undefined) out.dtmfPayloadType = dtmf;
  return out;
}
