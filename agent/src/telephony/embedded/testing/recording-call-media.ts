/**
 * TEST-ONLY CallMedia: a minimal SDP answerer (PCMU/PCMA, no RTP) that records what signalling
 * asked of it, so gateway tests can assert on negotiate/start/notify/stop. Not used in production;
 * the real media half lives in ../media/.
 */
import type { InboundMessage } from '../../../fork/protocol.js';
import type {
  AnswerApplied,
  CallMedia,
  MediaEvents,
  MediaStats,
  OfferResult,
  SdpResult,
} from '../media-types.js';
import { createOffer, readAnswer } from '../media/sdp-offer.js';

export class RecordingCallMedia implements CallMedia {
  readonly offers: string[] = [];
  readonly answers: string[] = [];
  /** Offers we made (delayed offer) and the answers that came back in ACKs. */
  readonly ourOffers: string[] = [];
  readonly theirAnswers: string[] = [];
  started: Parameters<CallMedia['start']>[0] | undefined;
  readonly notices: InboundMessage[] = [];
  readonly dtmfSent: string[] = [];
  stopped: string | undefined;

  constructor(
    readonly callId: string,
    private readonly events: MediaEvents,
    private readonly rtpPort = 20000,
  ) {}

  negotiate(offerSdp: string): SdpResult {
    this.offers.push(offerSdp);
    if (!/^v=0/m.test(offerSdp) || !/^m=audio /m.test(offerSdp))
      return { ok: false, status: 400, reason: 'not an audio SDP' };
    const formats = (/^m=audio \d+ RTP\/AVP ([\d ]+)/m.exec(offerSdp)?.[1] ?? '').trim().split(/\s+/);
    const pt = formats.find((f) => f === '0' || f === '8');
    if (!pt) return { ok: false, status: 488, reason: 'no common codec' };
    const dir = /^a=(sendonly|recvonly|inactive|sendrecv)/m.exec(offerSdp)?.[1] ?? 'sendrecv';
    const answerDir = dir === 'sendonly' ? 'recvonly' : dir === 'recvonly' ? 'sendonly' : dir;
    const name = pt === '0' ? 'PCMU' : 'PCMA';
    const answer = [
      'v=0',
      'o=switchboard 1 1 IN IP4 127.0.0.1',
      's=switchboard',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      `m=audio ${this.rtpPort} RTP/AVP ${pt}`,
      `a=rtpmap:${pt} ${name}/8000`,
      `a=${answerDir}`,
      '',
    ].join('\r\n');
    this.answers.push(answer);
    // Like the real media: an offer that does not want our audio puts the call on hold.
    return { ok: true, answer, held: dir === 'sendonly' || dir === 'inactive' };
  }

  createOffer(): OfferResult {
    const offer = createOffer({
      address: '127.0.0.1',
      port: this.rtpPort,
      sessionId: '1',
      sessionVersion: 1,
    });
    this.ourOffers.push(offer);
    return { ok: true, offer };
  }

  acceptAnswer(answerSdp: string): AnswerApplied {
    this.theirAnswers.push(answerSdp);
    const res = readAnswer(answerSdp, {
      address: '127.0.0.1',
      port: this.rtpPort,
      sessionId: '1',
      sessionVersion: 1,
    });
    return res.ok ? { ok: true, held: !res.audio.send } : res;
  }

  start(metadata: Parameters<CallMedia['start']>[0]): Promise<void> {
    this.started = metadata;
    return Promise.resolve();
  }

  notify(msg: InboundMessage): void {
    this.notices.push(msg);
  }

  sendDtmf(digits: string): void {
    this.dtmfSent.push(digits);
  }

  stats(): MediaStats {
    return {
      packetsSent: 0,
      packetsReceived: 0,
      bytesSent: 0,
      bytesReceived: 0,
      packetsLost: 0,
      jitterMs: 0,
      codec: undefined,
    };
  }

  stop(reason: string): void {
    this.stopped ??= reason;
  }

  /** Act as the agent: ask signalling to hang up (fork `disconnect`). */
  requestHangup(reason = 'agent'): void {
    this.events.onHangupRequested(reason);
  }

  /** Act as the agent: ask for a blind transfer (fork `transfer`). */
  requestTransfer(target: string): void {
    this.events.onTransfer(target);
  }
}
