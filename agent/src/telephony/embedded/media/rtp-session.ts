/**
 * One call's RTP over UDP: binds the allocated port, drops what is not well-formed RTP of a negotiated
 * payload type (rtp-filter.ts), accepts media only from the source the SDP named or one learnt the
 * careful way (rtp-source-latch.ts: symmetric RTP for NAT without handing the call to a sprayer),
 * feeds the jitter buffer and the DTMF receiver, hands decoded caller frames up as soon as they arrive
 * in order, and on each shared 20 ms tick sends one frame of agent audio (or silence, or a DTMF
 * event) down. An optional watchdog reports a caller whose packets stopped (not while on hold).
 *
 * Caller audio is not played out here: it goes to VAD and STT, which want it early more than evenly
 * spaced. So it is forwarded on arrival (reordered, waiting at most GAP_WAIT_TICKS for a missing
 * packet) rather than held to a playout target, which cost 40-60 ms of every turn (benchmarks).
 * Ticks with no caller packet at all fill silence, so the far side keeps hearing time pass.
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { Clock } from '../../../time/clock.js';
import { decodeG711 } from '../../../audio/g711.js';
import type { Pcm16 } from '../../../audio/pcm.js';
import type { Logger } from '../../../log.js';
import { IdleWatchdog } from '../../../streams/idle-watchdog.js';
import type { MediaStats } from '../media-types.js';
import { looksLikeRtcp } from './rtcp-packet.js';
import { RtcpReporter } from './rtcp-reporter.js';
import { FrameChunker } from './frame-chunker.js';
import type { FrameTicker } from './frame-ticker.js';
import type { DtmfSendOptions, DigitEvent } from './rtp-dtmf.js';
import { DtmfReceiver } from './rtp-dtmf.js';
import { classifyRtp, emptyDropCounts, type RtpDropCounts } from './rtp-filter.js';
import { JitterBuffer } from './rtp-jitter-buffer.js';
import { FRAME_SAMPLES, RtpSender } from './rtp-sender.js';
import { RtpSourceLatch, type RtpSourceLatchOptions } from './rtp-source-latch.js';
import { RtpReceiveStats } from './rtp-stats.js';
import type { NegotiatedAudio } from './sdp-answer.js';
/** Ticks to wait for a missing packet before giving it up as lost. */
const GAP_WAIT_TICKS = 2;
/** Ticks without any caller frame before silence is filled in (the caller stopped sending, e.g. DTX); above normal network jitter so late packets are not padded. */
const FILL_AFTER_TICKS = 3;

export interface RtpSessionOptions {
  port: number;
  /** Address to bind (127.0.0.1, 0.0.0.0, ::). */
  bindAddress: string;
  audio: NegotiatedAudio;
  clock: Clock;
  ticker: FrameTicker;
  log: Logger;
  /** Next 20 ms (160 samples at 8 kHz) of agent audio, or undefined when the agent is silent. */
  pullOutbound(): Pcm16 | undefined;
  /** 20 ms of decoded caller audio as it arrives in order; silence for lost frames and for gaps in sending. */
  onInboundFrame(pcm: Pcm16): void;
  onDtmf(digit: DigitEvent): void;
  jitterTargetFrames?: number;
  ssrc?: number;
  /** Where the call's SIP request came from: a candidate media source that may latch early. */
  signalAddress?: string;
  latch?: RtpSourceLatchOptions;
  /** Caller sends nothing for this long while it should (not on hold): onInactive (ms; 0/absent: off). */
  inactivityTimeoutMs?: number;
  onInactive?(idleMs: number): void;
  /** A datagram was refused (metrics). */
  onDropped?(reason: keyof RtpDropCounts): void;
  /** RTCP reports (RFC 3550 §6) on port+1, or on the RTP port with rtcp-mux (default true). */
  rtcp?: boolean;
}

type Address = { address: string; port: number };

export class RtpSession {
  private socket: Socket | undefined;
  private audio: NegotiatedAudio;
  private remote: { address: string; port: number } | undefined;
  private readonly latch: RtpSourceLatch;
  private readonly watchdog: IdleWatchdog | undefined;
  private remoteSsrc: number | undefined;
  private jitter: JitterBuffer;
  private dtmf = new DtmfReceiver();
  private readonly received = new RtpReceiveStats();
  private readonly sender: RtpSender;
  private unsubscribe: (() => void) | undefined;
  private inboundStarted = false;
  /** Ticks since a caller frame was last handed up. */
  private idleTicks = 0;
  /** Caller audio re-chunked to 20 ms frames, whatever its packet time; the caller's last packet size. */
  private readonly chunker: FrameChunker;
  private inboundSamples = FRAME_SAMPLES;
  private stopped = false;
  private readonly rtcp: RtcpReporter | undefined;
  private rtcpSocket: Socket | undefined;
  /** Where the caller's RTCP came from (symmetric RTCP, as for RTP behind NAT). */
  private rtcpSource: Address | undefined;
  private lastTickAt = 0;
  /** Datagrams refused, by reason ('source': from an address that may not feed this call). */
  readonly dropped: RtpDropCounts = emptyDropCounts();

  constructor(private readonly opts: RtpSessionOptions) {
    this.audio = opts.audio;
    this.chunker = new FrameChunker((pcm) => opts.onInboundFrame(pcm), FRAME_SAMPLES);
    this.jitter = new JitterBuffer({ targetFrames: opts.jitterTargetFrames });
    this.sender = new RtpSender({ ...this.format(), ssrc: opts.ssrc });
    this.latch = new RtpSourceLatch(opts.latch);
    this.learnFromSdp();
    if (opts.rtcp !== false) this.rtcp = this.createRtcp();
    const timeoutMs = opts.inactivityTimeoutMs ?? 0;
    if (timeoutMs > 0) {
      this.watchdog = new IdleWatchdog({
        clock: opts.clock,
        timeoutMs,
        onIdle: (idleMs) => {
          opts.log.info({ idleMs, port: this.port }, 'rtp inactivity timeout');
          opts.onInactive?.(idleMs);
        },
      });
    }
  }

  get port(): number {
    return this.opts.port;
  }

  get ssrc(): number {
    return this.sender.ssrc;
  }

  /** Where we currently send (after latching: the caller's real source). */
  get remoteAddress(): { address: string; port: number } | undefined {
    return this.remote;
  }

  /** The source whose packets are accepted, once learnt. */
  get latchedSource(): { address: string; port: number } | undefined {
    return this.latch.source;
  }

  private format() {
    return {
      codec: this.audio.codec,
      payloadType: this.audio.payloadType,
      dtmfPayloadType: this.audio.dtmfPayloadType,
      ptimeMs: this.audio.ptimeMs,
    };
  }

  /** Send where the SDP says, and learn the media source afresh. */
  private learnFromSdp(): void {
    const a = this.audio;
    const sdp = a.remotePort > 0 ? { address: a.remoteAddress, port: a.remotePort } : undefined;
    this.remote = a.send ? sdp : undefined;
    this.latch.reset(sdp, this.opts.signalAddress, this.opts.clock.now());
  }

  /**
   * Bind the UDP port; rejects with the socket error (EADDRINUSE…). Receives from now on. RTCP binds
   * port+1 too (the allocator hands out even ports only); if that fails the call goes on without it.
   */
  async bind(): Promise<void> {
    this.socket = await this.bindSocket(this.opts.port, (msg, rinfo) => this.onPacket(msg, rinfo));
    if (!this.rtcp) return;
    try {
      this.rtcpSocket = await this.bindSocket(this.opts.port + 1, (msg, rinfo) => this.onRtcp(msg, rinfo));
    } catch (err) {
      this.opts.log.warn({ err: (err as Error).message, port: this.port + 1 }, 'rtcp port not bound');
    }
  }

  private bindSocket(port: number, onMessage: (msg: Buffer, rinfo: RemoteInfo) => void): Promise<Socket> {
    const socket = createSocket({ type: this.opts.bindAddress.includes(':') ? 'udp6' : 'udp4' });
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, this.opts.bindAddress, () => {
        socket.off('error', reject);
        socket.on('error', (err) => this.opts.log.warn({ err: err.message, port }, 'rtp socket error'));
        socket.on('message', onMessage);
        resolve(socket);
      });
    });
  }

  private createRtcp(): RtcpReporter {
    return new RtcpReporter({
      clock: this.opts.clock,
      cname: `${randomBytes(12).toString('base64url')}@switchboard`, // RFC 7022: random, per call
      ssrc: this.sender.ssrc,
      sending: () => ({
        packets: this.sender.packets,
        octets: this.sender.bytes,
        rtpTimestamp:
          (this.sender.lastTimestamp + Math.round((this.opts.clock.now() - this.lastTickAt) * 8)) >>> 0,
      }),
      receiving: () => {
        const block = this.remoteSsrc !== undefined ? this.received.reportSince() : undefined;
        return block ? { ssrc: this.remoteSsrc!, block } : undefined;
      },
      send: (buf) => this.sendRtcp(buf),
    });
  }

  /** The caller's RTCP address: where its RTCP came from, else beside its RTP (port+1, a=rtcp, or muxed). */
  private rtcpDestination(): { socket: Socket; to: Address } | undefined {
    const a = this.audio;
    if (a.rtcpMux) return this.remote && this.socket ? { socket: this.socket, to: this.remote } : undefined;
    if (!this.rtcpSocket) return undefined;
    if (this.rtcpSource) return { socket: this.rtcpSocket, to: this.rtcpSource };
    const rtp =
      this.latch.source ?? (a.remotePort > 0 ? { address: a.remoteAddress, port: a.remotePort } : undefined);
    if (!rtp || rtp.address === '0.0.0.0' || rtp.address === '::') return undefined;
    const port = !this.latch.source && a.remoteRtcpPort ? a.remoteRtcpPort : rtp.port + 1;
    return { socket: this.rtcpSocket, to: { address: rtp.address, port } };
  }

  private sendRtcp(buf: Buffer, then?: () => void): void {
    const dest = this.rtcpDestination();
    if (!dest) return then?.();
    dest.socket.send(buf, dest.to.port, dest.to.address, (err) => {
      if (err) this.opts.log.debug({ err: err.message }, 'rtcp send failed');
      then?.();
    });
  }

  /** RTCP from the caller: only from the address its media comes from (or the SDP named). */
  private onRtcp(msg: Buffer, rinfo: RemoteInfo): void {
    if (this.stopped || !this.rtcp) return;
    const expected = this.latch.source?.address ?? this.audio.remoteAddress;
    if (rinfo.address !== expected) return this.drop('source');
    if (!this.rtcp.receive(msg)) return this.drop('malformed');
    if (!this.audio.rtcpMux) this.rtcpSource = { address: rinfo.address, port: rinfo.port };
  }

  /** Start the 20 ms cadence (after the call is answered). */
  start(): void {
    if (this.unsubscribe || this.stopped) return;
    this.unsubscribe = this.opts.ticker.subscribe((tick) => this.onTick(tick));
    this.watchInactivity();
    this.rtcp?.start();
  }

  /** A re-INVITE changed the stream: codec, payload types, remote address or direction. */
  update(audio: NegotiatedAudio): void {
    const moved =
      audio.remoteAddress !== this.audio.remoteAddress || audio.remotePort !== this.audio.remotePort;
    this.audio = audio;
    this.sender.setFormat(this.format());
    // Same address in the new SDP: keep the learnt source and keep sending where its packets come from (NAT).
    const learnt = this.latch.source;
    if (moved || !learnt) {
      this.learnFromSdp();
      this.rtcpSource = undefined;
    } else this.remote = audio.send ? learnt : undefined;
    if (this.unsubscribe) this.watchInactivity();
  }

  /**
   * The watchdog runs while the stream is sendrecv. Hold in either direction (sendonly, recvonly,
   * inactive) pauses it: a held caller may legitimately send nothing, music on hold or not.
   */
  private watchInactivity(): void {
    if (!this.watchdog || this.stopped) return;
    if (this.audio.direction === 'sendrecv' && this.audio.receive) this.watchdog.resume();
    else this.watchdog.pause();
  }

  sendDtmf(digits: string, opts?: DtmfSendOptions): boolean {
    return this.sender.queueDtmf(digits, opts);
  }

  private onPacket(msg: Buffer, rinfo: RemoteInfo): void {
    if (this.stopped) return;
    if (looksLikeRtcp(msg)) return this.onRtcp(msg, rinfo);
    const checked = classifyRtp(msg, this.audio);
    if (!checked.ok) return this.drop(checked.reason);
    const pkt = checked.packet;
    const before = this.latch.source;
    const from = { address: rinfo.address, port: rinfo.port };
    if (this.latch.offer(from, pkt.ssrc, pkt.sequence, this.opts.clock.now()) === 'drop')
      return this.drop('source');
    if (this.latch.source !== before) {
      this.opts.log.info({ source: from, first: before === undefined }, 'rtp media source learnt');
      if (this.audio.send) this.remote = from; // symmetric RTP: answer where the packets come from
    }
    this.watchdog?.touch();
    const isAudio = checked.kind === 'audio';
    const isDtmf = checked.kind === 'dtmf';
    if (this.remoteSsrc !== pkt.ssrc) {
      if (this.remoteSsrc !== undefined) this.opts.log.info({ ssrc: pkt.ssrc }, 'rtp source changed');
      this.remoteSsrc = pkt.ssrc;
      this.jitter = new JitterBuffer({ targetFrames: this.opts.jitterTargetFrames });
      this.dtmf = new DtmfReceiver();
      this.received.rebase();
    }
    this.received.record(
      pkt.sequence,
      isAudio ? pkt.timestamp : undefined,
      this.opts.clock.now(),
      pkt.payload.length,
    );
    this.jitter.push(pkt.sequence, isAudio ? pkt.payload : null);
    if (isDtmf) for (const d of this.dtmf.receive(pkt.timestamp, pkt.payload)) this.opts.onDtmf(d);
    if (this.unsubscribe) this.deliverReady();
  }

  private drop(reason: keyof RtpDropCounts): void {
    this.dropped[reason]++;
    this.opts.onDropped?.(reason);
  }

  private onTick(tick: number): void {
    this.lastTickAt = this.opts.clock.now();
    this.deliverInbound();
    const wantsAudio = this.sender.wantsAudio();
    const pcm = wantsAudio ? this.opts.pullOutbound() : undefined;
    if (!this.remote || !this.socket) return;
    for (const buf of this.sender.tick(tick, pcm)) {
      this.socket.send(buf, this.remote.port, this.remote.address, (err) => {
        if (err) this.opts.log.debug({ err: err.message }, 'rtp send failed');
      });
    }
  }

  /** Hand up every frame that is next in sequence. */
  private deliverReady(): void {
    for (let r = this.jitter.popInOrder(); r.kind === 'frame'; r = this.jitter.popInOrder()) {
      this.inboundStarted = true;
      this.idleTicks = 0;
      const pcm = decodeG711(this.audio.codec, r.payload);
      this.inboundSamples = pcm.length;
      this.chunker.push(pcm);
    }
  }

  private deliverInbound(): void {
    if (!this.inboundStarted) return this.deliverReady();
    this.idleTicks++;
    if (this.jitter.depth > 0 && this.idleTicks >= GAP_WAIT_TICKS) {
      // Frames wait behind a missing one: give it up, fill its time with silence, carry on.
      const lost = this.jitter.skipGap();
      this.chunker.silence(lost * this.inboundSamples);
      this.deliverReady();
    } else if (this.jitter.depth === 0 && this.idleTicks >= this.fillAfterTicks()) {
      this.chunker.silence(FRAME_SAMPLES);
    }
  }

  /** Long packets (40, 60 ms) leave ticks without any by design: pad only past one packet's time. */
  private fillAfterTicks(): number {
    return Math.max(FILL_AFTER_TICKS, Math.ceil(this.inboundSamples / FRAME_SAMPLES) + 2);
  }

  stats(): MediaStats {
    return {
      packetsSent: this.sender.packets,
      packetsReceived: this.received.packets,
      bytesSent: this.sender.bytes,
      bytesReceived: this.received.bytes,
      packetsLost: this.received.lost,
      jitterMs: this.received.jitterMs,
      codec: this.audio.codec,
      ...(this.rtcp ? { rtcp: this.rtcp.stats() } : {}),
    };
  }

  /** Idempotent. The port is released by the owner once this returns. */
  stop(reason?: string): void {
    if (this.stopped) return;
    this.stopped = true;
    this.watchdog?.stop();
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    const close = (): void => {
      for (const s of [this.socket, this.rtcpSocket]) {
        try {
          s?.close();
        } catch {
          // already closed
        }
      }
    };
    // RFC 3550 §6.6: a last report and BYE, if the call got as far as sending.
    if (this.rtcp && this.sender.packets + this.received.packets > 0)
      this.sendRtcp(this.rtcp.bye(reason), close);
    else close();
    this.rtcp?.stop();
  }
}
