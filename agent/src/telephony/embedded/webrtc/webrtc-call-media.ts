/**
 * CallMedia for WebRTC softphone legs (offers with UDP/TLS/RTP/SAVPF): werift does ICE and
 * DTLS-SRTP; audio is G.711 (no Opus decoder is installed) with RFC 4733 DTMF both ways.
 * Caller audio is decoded to 8 kHz PCM and sent over the fork as it arrives; agent audio is pulled
 * from the fork link's playout buffer once per 20 ms tick and packetised by the plain-RTP half's
 * RtpSender. The fork link (ForkLink, PlayoutBuffer) and pacer (FrameTicker) are the plain-RTP
 * half's own, so killAudio, marks, pacing and DTMF timing behave the same on both media paths.
 */
import { RtpPacket, type RTCPeerConnection, type RTCRtpTransceiver } from 'werift';
import { decodeG711 } from '../../../audio/g711.js';
import { systemClock, type Clock } from '../../../time/clock.js';
import type { InboundMessage } from '../../../fork/protocol.js';
import type { CallMetadata } from '../../../conversation/call-channel.js';
import type { Logger } from '../../../log.js';
import { IdleWatchdog } from '../../../streams/idle-watchdog.js';
import { ForkLink, type ForkDestination } from '../media/fork-link.js';
import { sharedFrameTicker, type FrameTicker } from '../media/frame-ticker.js';
import { DtmfReceiver } from '../media/rtp-dtmf.js';
import { FRAME_SAMPLES, RtpSender } from '../media/rtp-sender.js';
import { RtpReceiveStats } from '../media/rtp-stats.js';
import type { CallMedia, MediaEvents, MediaStats, SdpResult } from '../media-types.js';
import { answeredAudio, isWebRtcOffer, type AnsweredAudio } from './webrtc-offer.js';
import { createWebRtcPeer, gatheringComplete, type WebRtcPeerOptions } from './webrtc-peer.js';

export interface WebRtcCallMediaOptions extends WebRtcPeerOptions {
  callId: string;
  events: MediaEvents;
  /** The agent: its fork endpoint and credentials, or its fork server in this process. */
  fork: ForkDestination;
  /** Caller audio rate on the fork (default 8000). */
  forkSampleRate?: 8000 | 16000;
  /** Rate the agent sends audio at (default 8000). */
  playbackSampleRate?: number;
  /** Extra metadata fields for the agent's call record. */
  extraMetadata?: Record<string, unknown>;
  log: Logger;
  clock?: Clock;
  ticker?: FrameTicker;
  /** Longest wait for ICE gathering before answering with what we have (ms, default 2000). */
  gatherTimeoutMs?: number;
  /** Hang up when the phone sends no RTP for this long while not on hold (ms; 0/absent: never). */
  rtpTimeoutMs?: number;
}

export class WebRtcCallMedia implements CallMedia {
  private readonly pc: RTCPeerConnection;
  private transceiver: RTCRtpTransceiver | undefined;
  private audio: AnsweredAudio | undefined;
  private sender: RtpSender | undefined;
  private link: ForkLink | undefined;
  private unsubscribeTick: (() => void) | undefined;
  private lastOffer: string | undefined;
  private lastAnswer: string | undefined;
  private stopped = false;
  private watchdog: IdleWatchdog | undefined;
  private readonly received = new RtpReceiveStats(8000);
  private readonly dtmf = new DtmfReceiver(8000);
  private readonly log: Logger;

  constructor(private readonly o: WebRtcCallMediaOptions) {
    this.log = o.log.child({ callId: o.callId, media: 'webrtc' });
    this.pc = createWebRtcPeer(o);
    this.pc.onTrack.subscribe((track) => {
      track.onReceiveRtp.subscribe((rtp) => this.onRtp(rtp));
    });
    this.pc.connectionStateChange.subscribe((s) => {
      this.log.debug({ state: s }, 'webrtc connection state');
      if (s === 'failed' && !this.stopped) this.o.events.onMediaEnded('media_lost');
    });
  }

  /** Synchronous answers are impossible with werift; only a repeat of the last offer is answered here. */
  negotiate(offerSdp: string): SdpResult {
    if (offerSdp === this.lastOffer && this.lastAnswer) return { ok: true, answer: this.lastAnswer };
    return { ok: false, status: 488, reason: 'WebRTC media answers asynchronously: use negotiateAsync' };
  }

  async negotiateAsync(offerSdp: string): Promise<SdpResult> {
    if (!/^v=0/m.test(offerSdp) || !/^m=audio /m.test(offerSdp))
      return { ok: false, status: 400, reason: 'not an audio SDP' };
    if (!isWebRtcOffer(offerSdp))
      return { ok: false, status: 488, reason: 'not a WebRTC (UDP/TLS/RTP/SAVPF) offer' };
    try {
      await this.pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
      this.transceiver ??= this.pc.getTransceivers().find((t) => t.kind === 'audio');
      if (!this.transceiver) return { ok: false, status: 488, reason: 'no audio transceiver' };
      // werift creates remote-offered transceivers recvonly; we talk back, and the offer's own direction
      // (sendonly/inactive on hold) still narrows the answer.
      if (this.transceiver.direction !== 'sendrecv') this.transceiver.setDirection('sendrecv');
      // The caller may hold (sendonly/inactive); werift derives our direction from the offer.
      await this.pc.setLocalDescription(await this.pc.createAnswer());
      await gatheringComplete(this.pc, this.o.gatherTimeoutMs ?? 2000);
      const answer = this.pc.localDescription?.sdp;
      const audio = answer ? answeredAudio(answer) : undefined;
      if (!answer || !audio) return { ok: false, status: 488, reason: 'no common codec (need PCMU or PCMA)' };
      this.applyFormat(audio);
      this.lastOffer = offerSdp;
      this.lastAnswer = answer;
      this.watchHold();
      // We answer recvonly/inactive to an offer that holds us (sendonly/inactive).
      return { ok: true, answer, held: /^a=(recvonly|inactive)\s*$/m.test(answer) };
    } catch (err) {
      this.log.warn({ err }, 'webrtc offer rejected');
      return { ok: false, status: 488, reason: `WebRTC negotiation failed: ${(err as Error).message}` };
    }
  }

  async start(metadata: Omit<CallMetadata, 'sampleRate' | 'playbackSampleRate' | 'extra'>): Promise<void> {
    if (this.stopped) throw new Error('call media stopped');
    if (!this.audio) throw new Error('start() before a successful negotiateAsync()');
    const link = new ForkLink({
      ...this.o.fork,
      metadata: {
        ...metadata,
        codec: metadata.codec ?? this.audio.codec,
        source: metadata.source ?? 'embedded-webrtc',
        sampleRate: this.o.forkSampleRate ?? 8000,
        playbackSampleRate: this.o.playbackSampleRate ?? 8000,
        extra: this.o.extraMetadata,
      },
      callRate: 8000,
      clock: this.o.clock ?? systemClock,
      log: this.log,
      events: {
        onTransfer: (target) => this.o.events.onTransfer(target),
        onHangupRequested: (reason) => this.o.events.onHangupRequested(reason),
        onSendDtmf: (digits) => this.o.events.onSendDtmf(digits),
      },
    });
    this.link = link;
    await link.connect();
    if (this.stopped) {
      link.close();
      return;
    }
    this.unsubscribeTick = (this.o.ticker ?? sharedFrameTicker()).subscribe((tick) => this.onTick(tick));
    if (this.o.rtpTimeoutMs)
      this.watchdog = new IdleWatchdog({
        clock: this.o.clock ?? systemClock,
        timeoutMs: this.o.rtpTimeoutMs,
        onIdle: (idleMs) => {
          this.log.info({ idleMs }, 'webrtc rtp inactivity timeout');
          if (!this.stopped) this.o.events.onMediaEnded('media_timeout');
        },
      });
    this.watchHold();
    this.log.info({ codec: this.audio.codec }, 'webrtc media started');
  }

  /** The inactivity watchdog runs while the stream is sendrecv; hold in either direction pauses it. */
  private watchHold(): void {
    const direction = this.transceiver?.currentDirection ?? 'sendrecv';
    if (direction === 'sendrecv') this.watchdog?.resume();
    else this.watchdog?.pause();
  }

  /** Diagnostics and tests. */
  get forkLink(): ForkLink | undefined {
    return this.link;
  }

  notify(msg: InboundMessage): void {
    this.link?.notify(msg);
  }

  sendDtmf(digits: string): void {
    if (!this.sender?.queueDtmf(digits))
      this.log.warn('caller did not negotiate telephone-event; DTMF not sent');
  }

  stats(): MediaStats {
    return {
      packetsSent: this.sender?.packets ?? 0,
      packetsReceived: this.received.packets,
      bytesSent: this.sender?.bytes ?? 0,
      bytesReceived: this.received.bytes,
      packetsLost: this.received.lost,
      jitterMs: this.received.jitterMs,
      codec: this.audio?.codec,
    };
  }

  stop(reason: string): void {
    if (this.stopped) return;
    this.stopped = true;
    this.watchdog?.stop();
    this.unsubscribeTick?.();
    this.link?.close(1000, reason);
    this.pc.close().catch((err: unknown) => this.log.debug({ err }, 'webrtc close failed'));
  }

  private applyFormat(audio: AnsweredAudio): void {
    this.audio = audio;
    const format = {
      codec: audio.codec,
      payloadType: audio.payloadType,
      dtmfPayloadType: audio.dtmfPayloadType,
    };
    if (this.sender) this.sender.setFormat(format);
    else this.sender = new RtpSender({ ...format, ssrc: this.transceiver!.sender.ssrc });
  }

  private onTick(tick: number): void {
    const sender = this.sender;
    const dtls = this.transceiver?.sender.dtlsTransport;
    if (!sender || !this.link || !dtls || dtls.state !== 'connected') return;
    const direction = this.transceiver!.currentDirection ?? 'sendrecv';
    if (direction === 'recvonly' || direction === 'inactive') return;
    const pcm = sender.wantsAudio() ? this.link.pull(FRAME_SAMPLES) : undefined;
    for (const buf of sender.tick(tick, pcm)) {
      const packet = RtpPacket.deSerialize(buf);
      // Straight to SRTP: werift's track path would rewrite every payload type to the first codec's.
      dtls.sendRtp(packet.payload, packet.header).catch(() => undefined);
    }
  }

  private onRtp(rtp: RtpPacket): void {
    const audio = this.audio;
    // SRTP already proved who sent it; an empty payload still never becomes an (empty) fork frame.
    if (!audio || this.stopped || rtp.payload.length === 0) return;
    this.watchdog?.touch();
    const h = rtp.header;
    if (h.payloadType === audio.dtmfPayloadType) {
      this.received.record(h.sequenceNumber, undefined, performance.now(), rtp.payload.length);
      for (const d of this.dtmf.receive(h.timestamp, rtp.payload)) {
        this.o.events.onDtmf(d.digit, d.durationMs);
      }
      return;
    }
    if (h.payloadType !== audio.payloadType) return;
    this.received.record(h.sequenceNumber, h.timestamp, performance.now(), rtp.payload.length);
    this.link?.sendAudio(decodeG711(audio.codec, rtp.payload));
  }
}
