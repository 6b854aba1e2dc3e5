/**
 * Contract between the embedded gateway's signalling (sip/) and media (media/) halves.
 * Signalling parses SIP and owns dialogs; media owns SDP offer/answer, RTP and the fork link.
 */
import type { InboundMessage } from '../../fork/protocol.js';
import type { CallMetadata } from '../../conversation/call-channel.js';
import type { RtcpStats } from './media/rtcp-reporter.js';

export type G711 = 'PCMU' | 'PCMA';

export interface MediaStats {
  packetsSent: number;
  packetsReceived: number;
  bytesSent: number;
  bytesReceived: number;
  /** Packets missing from the received sequence. */
  packetsLost: number;
  /** RFC 3550 interarrival jitter, ms. */
  jitterMs: number;
  codec: G711 | 'opus' | undefined;
  /** Plain RTP only: RTCP reports sent and received, round-trip time, the caller's view of our stream. */
  rtcp?: RtcpStats;
}

export type SdpResult =
  /** `held`: the offer puts us on hold (sendonly, inactive, or the old c=0.0.0.0). */
  | { ok: true; answer: string; held?: boolean }
  /** No common codec → 488; bad SDP → 400; no RTP port free → 503. */
  | { ok: false; status: 400 | 488 | 503; reason: string };

/** Our offer, for a 200 OK to an INVITE or re-INVITE that came without SDP (delayed offer). */
export type OfferResult = { ok: true; offer: string } | { ok: false; status: 488 | 503; reason: string };

/** The peer's answer to our offer (from its ACK). `held`: it does not want our media. */
export type AnswerApplied = { ok: true; held: boolean } | { ok: false; status: 400 | 488; reason: string };

/** Events the media side raises towards signalling (its call control decides what follows). */
export interface MediaEvents {
  /** The agent asked for a blind transfer (fork `transfer`). */
  onTransfer(target: string): void;
  /** The agent asked for DTMF to the caller (fork `json` sendDtmf); call control then calls sendDtmf(). */
  onSendDtmf(digits: string): void;
  /** The caller sent a digit (RFC 4733); call control decides whether the agent hears it (notify()). */
  onDtmf(digit: string, durationMs?: number): void;
  /** The agent hung up (fork `disconnect`, with its reason), or its link closed. */
  onHangupRequested(reason: string): void;
  /** The media is gone: no caller RTP for the timeout, or the WebRTC connection failed. */
  onMediaEnded(reason: 'media_timeout' | 'media_lost'): void;
}

export interface CallMedia {
  /** Apply the INVITE's SDP offer; returns our answer. Called again for re-INVITEs (hold, codec change). */
  negotiate(offerSdp: string): SdpResult;
  /**
   * Asynchronous variant for media that must do I/O before it can answer (WebRTC: ICE gathering and
   * DTLS set-up in werift). When present, signalling awaits this instead of calling negotiate().
   */
  negotiateAsync?(offerSdp: string): Promise<SdpResult>;
  /**
   * Delayed offer (RFC 3261 §13.2.1, §14.2): make our offer for a 200 OK; its answer comes in the ACK
   * through acceptAnswer(). Absent (WebRTC media): an INVITE without SDP is refused with 488.
   */
  createOffer?(): OfferResult;
  /** Apply the answer to our last createOffer(); the call's RTP then follows it. */
  acceptAnswer?(answerSdp: string): AnswerApplied;
  /** Start RTP and open the fork to the agent once the call is answered (`extra`: more metadata fields). */
  start(
    metadata: Omit<CallMetadata, 'sampleRate' | 'playbackSampleRate' | 'extra'> & {
      extra?: Record<string, unknown>;
    },
  ): Promise<void>;
  /** Send a notice (DTMF from SIP INFO, transfer outcome, hangup) to the agent over the fork. */
  notify(msg: InboundMessage): void;
  /** Send RFC 4733 DTMF digits to the caller. */
  sendDtmf(digits: string): void;
  stats(): MediaStats;
  /** Stop RTP and close the fork (1000). Idempotent. */
  stop(reason: string): void;
}
