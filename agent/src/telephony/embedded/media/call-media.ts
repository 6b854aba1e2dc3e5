/**
 * One call's media for the embedded gateway: SDP offer/answer, RTP on a port from the allocator,
 * and the fork link to the agent, wired together on the shared 20 ms ticker. Implements CallMedia.
 */
import { randomInt } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import type { Clock } from '../../../time/clock.js';
import { systemClock } from '../../../time/clock.js';
import type { InboundMessage } from '../../../fork/protocol.js';
import type { CallMetadata } from '../../../conversation/call-channel.js';
import type { Logger } from '../../../log.js';
import type {
  AnswerApplied,
  CallMedia,
  G711,
  MediaEvents,
  MediaStats,
  OfferResult,
  SdpResult,
} from '../media-types.js';
import { ForkLink, type ForkDestination } from './fork-link.js';
import { sharedFrameTicker, type FrameTicker } from './frame-ticker.js';
import { PortsExhaustedError, type PortAllocator } from './port-allocator.js';
import type { RtpDropReason } from './rtp-filter.js';
import { FRAME_SAMPLES } from './rtp-sender.js';
import { RtpSession } from './rtp-session.js';
import { answerOffer, type LocalSdpParams, type NegotiatedAudio } from './sdp-answer.js';
import { createOffer, readAnswer } from './sdp-offer.js';

export interface CallMediaOptions {
  callId: string;
  /** Address the RTP socket binds to (127.0.0.1, 0.0.0.0, ::). */
  localAddress: string;
  /** Address written into the SDP (public address behind NAT). Default: localAddress. */
  externalAddress?: string;
  ports: PortAllocator;
  /** The agent: its fork endpoint and credentials, or its fork server in this process. */
  fork: ForkDestination;
  /** Caller audio rate on the fork (default 8000). */
  forkSampleRate?: 8000 | 16000;
  /** Rate the agent sends audio at (default 8000: marks stay exact, research §8). */
  playbackSampleRate?: number;
  codecs?: G711[];
  events: MediaEvents;
  log: Logger;
  clock?: Clock;
  /** Shared 20 ms ticker; default the process-wide one on the system clock. */
  ticker?: FrameTicker;
  jitterTargetFrames?: number;
  /** Extra metadata fields for the agent's call record. */
  extraMetadata?: Record<string, unknown>;
  /** Where the INVITE came from: a candidate media source for symmetric RTP. */
  signalAddress?: string;
  /** Whose per-source RTP port budget the port counts against (absent: none; trusted sources). */
  portOwner?: string;
  /** Hang up when the caller sends no RTP for this long while not on hold (ms; 0/absent: never). */
  rtpTimeoutMs?: number;
  /** A datagram on the RTP port was refused (metrics). */
  onRtpDropped?(reason: RtpDropReason | 'source'): void;
}

/**
 * The address peers should send to. A wildcard bind (0.0.0.0, ::) must never reach the SDP: c=0.0.0.0
 * means "hold". Without an external address we take the first non-internal interface address.
 */
export function sdpAddress(localAddress: string, externalAddress?: string): string {
  if (externalAddress) return externalAddress;
  if (localAddress !== '0.0.0.0' && localAddress !== '::') return localAddress;
  const family = localAddress === '::' ? undefined : 'IPv4';
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (!a.internal && (!family || a.family === family)) return a.address;
  }
  return localAddress === '::' ? '::1' : '127.0.0.1';
}

type StartMetadata = Omit<CallMetadata, 'sampleRate' | 'playbackSampleRate' | 'extra'> & {
  extra?: Record<string, unknown>;
};

class EmbeddedCallMedia implements CallMedia {
  private port: number | undefined;
  private rtp: RtpSession | undefined;
  private bound: Promise<void> | undefined;
  private fork: ForkLink | undefined;
  private audio: NegotiatedAudio | undefined;
  private readonly sessionId = String(randomInt(1, 2 ** 47));
  private sessionVersion = 1;
  private lastAnswerBody: string | undefined;
  /** createOffer() was called and its answer has not come yet. */
  private offered = false;
  private stopped = false;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly sdpAddress: string;

  constructor(private readonly o: CallMediaOptions) {
    this.clock = o.clock ?? systemClock;
    this.sdpAddress = sdpAddress(o.localAddress, o.externalAddress);
    this.log = o.log.child({ callId: o.callId });
  }

  negotiate(offerSdp: string): SdpResult {
    const port = this.ensurePort();
    if (typeof port !== 'number') return port;
    const res = answerOffer(offerSdp, this.localSdp(port));
    if (!res.ok) {
      if (!this.rtp) this.releasePort();
      return res;
    }
    const answer = this.versioned(res.answer);
    this.apply(res.audio);
    return { ok: true, answer, held: !res.audio.send };
  }

  createOffer(): OfferResult {
    const port = this.ensurePort();
    if (typeof port !== 'number') return port;
    this.offered = true;
    return { ok: true, offer: this.versioned(createOffer(this.localSdp(port))) };
  }

  acceptAnswer(answerSdp: string): AnswerApplied {
    if (this.port === undefined || !this.offered) return { ok: false, status: 488, reason: 'no offer made' };
    const res = readAnswer(answerSdp, this.localSdp(this.port));
    if (!res.ok) return res;
    this.offered = false;
    this.apply(res.audio);
    return { ok: true, held: !res.audio.send };
  }

  /** Our RTP port, allocated on first use; a refusal when none is free (or the call is over). */
  private ensurePort(): number | { ok: false; status: 488 | 503; reason: string } {
    if (this.stopped) return { ok: false, status: 488, reason: 'call media stopped' };
    if (this.port !== undefined) return this.port;
    try {
      this.port = this.o.ports.allocate(this.o.portOwner);
      return this.port;
    } catch (err) {
      if (!(err instanceof PortsExhaustedError)) throw err;
      this.log.warn({ code: err.code, source: this.o.signalAddress }, 'no RTP port for the call');
      return { ok: false, status: 503, reason: err.message };
    }
  }

  private localSdp(port: number): LocalSdpParams {
    return {
      address: this.sdpAddress,
      port,
      sessionId: this.sessionId,
      sessionVersion: this.sessionVersion,
      codecs: this.o.codecs,
    };
  }

  /** What offer/answer settled: RTP follows it (created on the first, updated after). */
  private apply(audio: NegotiatedAudio): void {
    this.audio = audio;
    if (this.rtp) this.rtp.update(audio);
    else this.createRtp(audio);
    this.log.debug({ codec: audio.codec, direction: audio.direction, port: this.port }, 'sdp negotiated');
  }

  /** RFC 3264 §8: the o= version goes up only when what we send (answer or offer) changed. */
  private versioned(answer: string): string {
    const body = answer.replace(/^o=.*$/m, '');
    if (this.lastAnswerBody !== undefined && body !== this.lastAnswerBody) {
      this.sessionVersion++;
      answer = answer.replace(/^(o=\S+ \S+ )\d+/m, `$1${this.sessionVersion}`);
    }
    this.lastAnswerBody = body;
    return answer;
  }

  private createRtp(audio: NegotiatedAudio): void {
    const rtp = new RtpSession({
      port: this.port!,
      bindAddress: this.o.localAddress,
      audio,
      clock: this.clock,
      ticker: this.o.ticker ?? sharedFrameTicker(),
      log: this.log,
      jitterTargetFrames: this.o.jitterTargetFrames,
      pullOutbound: () => this.fork?.pull(FRAME_SAMPLES),
      onInboundFrame: (pcm) => this.fork?.sendAudio(pcm),
      onDtmf: (d) => this.o.events.onDtmf(d.digit, d.durationMs),
      ...(this.o.signalAddress !== undefined ? { signalAddress: this.o.signalAddress } : {}),
      inactivityTimeoutMs: this.o.rtpTimeoutMs ?? 0,
      onInactive: () => {
        if (!this.stopped) this.o.events.onMediaEnded('media_timeout');
      },
      ...(this.o.onRtpDropped ? { onDropped: this.o.onRtpDropped } : {}),
    });
    this.rtp = rtp;
    const port = this.port!;
    this.bound = rtp.bind().catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE' || err.code === 'EACCES') this.o.ports.markBusy(port);
      throw err;
    });
    // start() reports the failure; do not leave an unhandled rejection if it never runs.
    this.bound.catch(() => undefined);
  }

  async start(metadata: StartMetadata): Promise<void> {
    if (this.stopped) throw new Error('call media stopped');
    if (!this.rtp || !this.audio) throw new Error('start() before a successful negotiate()');
    await this.bound;
    if (this.stopped) return;
    this.rtp.start();
    const fork = new ForkLink({
      ...this.o.fork,
      metadata: {
        ...metadata,
        codec: metadata.codec ?? this.audio.codec,
        source: metadata.source ?? 'embedded',
        sampleRate: this.o.forkSampleRate ?? 8000,
        playbackSampleRate: this.o.playbackSampleRate ?? 8000,
        extra: { ...this.o.extraMetadata, ...metadata.extra },
      },
      callRate: 8000,
      clock: this.clock,
      log: this.log,
      events: {
        onTransfer: (target) => this.o.events.onTransfer(target),
        onHangupRequested: (reason) => this.o.events.onHangupRequested(reason),
        onSendDtmf: (digits) => this.o.events.onSendDtmf(digits),
      },
    });
    this.fork = fork;
    await fork.connect();
    if (this.stopped) fork.close();
    this.log.info({ port: this.port, codec: this.audio.codec }, 'call media started');
  }

  notify(msg: InboundMessage): void {
    this.fork?.notify(msg);
  }

  sendDtmf(digits: string): void {
    if (!this.rtp?.sendDtmf(digits)) this.log.warn('dtmf not sent: the caller did not offer telephone-event');
  }

  stats(): MediaStats {
    return (
      this.rtp?.stats() ?? {
        packetsSent: 0,
        packetsReceived: 0,
        bytesSent: 0,
        bytesReceived: 0,
        packetsLost: 0,
        jitterMs: 0,
        codec: undefined,
      }
    );
  }

  stop(reason: string): void {
    if (this.stopped) return;
    this.stopped = true;
    this.fork?.close(1000, reason);
    this.rtp?.stop(reason);
    this.releasePort();
    this.log.info({ reason, ...this.stats(), rejected: this.rtp?.dropped }, 'call media stopped');
  }

  private releasePort(): void {
    if (this.port !== undefined) this.o.ports.release(this.port);
    this.port = undefined;
  }

  /** Test and diagnostics access. */
  get rtpSession(): RtpSession | undefined {
    return this.rtp;
  }

  get forkLink(): ForkLink | undefined {
    return this.fork;
  }
}

export type EmbeddedCallMediaHandle = CallMedia & {
  readonly rtpSession: RtpSession | undefined;
  readonly forkLink: ForkLink | undefined;
};

export function createCallMedia(options: CallMediaOptions): EmbeddedCallMediaHandle {
  return new EmbeddedCallMedia(options);
}
