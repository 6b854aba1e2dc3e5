/**
 * Our side as the offerer (RFC 3264 §5): the offer we put in a 200 OK when an INVITE or re-INVITE came
 * without SDP (delayed offer, RFC 3261 §13.2.1 and §14.2), and what the answer in the ACK tells us.
 * Pure; offer/answer policy for one audio stream lives beside it in sdp-answer.ts.
 */
import { answerOffer, PTIME_MS, type LocalSdpParams, type NegotiatedAudio } from './sdp-answer.js';
import { parseSdp, SdpParseError, serializeSdp, type SdpAttribute } from './sdp.js';

/** Payload type we offer RFC 4733 telephone-event at (the usual dynamic choice). */
export const OFFERED_DTMF_PT = 101;
const STATIC_PT = { PCMU: 0, PCMA: 8 } as const;

/** Our offer: one sendrecv audio stream, G.711 in our order of preference, telephone-event, 20 ms. */
export function createOffer(local: LocalSdpParams): string {
  const codecs = local.codecs ?? ['PCMU', 'PCMA'];
  const formats = [...codecs.map((c) => String(STATIC_PT[c])), String(OFFERED_DTMF_PT)];
  const attributes: SdpAttribute[] = [
    ...codecs.map((c) => ({ name: 'rtpmap', value: `${STATIC_PT[c]} ${c}/8000` })),
    { name: 'rtpmap', value: `${OFFERED_DTMF_PT} telephone-event/8000` },
    { name: 'fmtp', value: `${OFFERED_DTMF_PT} 0-16` },
    { name: 'ptime', value: String(PTIME_MS) },
    { name: 'sendrecv' },
  ];
  const addrType = local.address.includes(':') ? 'IP6' : 'IP4';
  return serializeSdp({
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
    media: [{ type: 'audio', port: local.port, proto: 'RTP/AVP', formats, attributes, other: [] }],
  });
}

export type ReadAnswerResult =
  { ok: true; audio: NegotiatedAudio } | { ok: false; status: 400 | 488; reason: string };

/**
 * The peer's answer to our offer: the codec it kept (its first we offered), its address and port, its
 * telephone-event payload type and the direction it chose — the same reading as of an offer, since an
 * answer's direction maps onto ours the same way (its sendonly is our recvonly).
 */
export function readAnswer(answerText: string, local: LocalSdpParams): ReadAnswerResult {
  try {
    const answer = parseSdp(answerText);
    const audio = answer.media.find((m) => m.type === 'audio' && m.port !== 0);
    if (!audio) return { ok: false, status: 488, reason: 'the answer refused our audio stream' };
  } catch (err) {
    if (err instanceof SdpParseError) return { ok: false, status: 400, reason: err.message };
    throw err;
  }
  const res = answerOffer(answerText, local);
  return res.ok ? { ok: true, audio: res.audio } : res;
}
