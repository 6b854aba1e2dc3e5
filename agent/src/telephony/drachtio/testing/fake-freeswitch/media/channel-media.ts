/**
 * One channel's media: RTP with the caller on the embedded gateway's RtpSession (jitter buffer,
 * symmetric latching, RFC 4733 in and out, G.711), and FreeSWITCH's per-20 ms frame loop on top of
 * it: the read frame (the caller, evenly paced like FreeSWITCH's timer-driven reads), the write
 * frame (what a playback app plays, or silence) with SMBF_WRITE_REPLACE bugs adding streamed audio
 * to it, and every media bug seeing both (fork_frame).
 */
import type { Clock } from '../../../../../time/clock.js';
import type { Pcm16 } from '../../../../../audio/pcm.js';
import type { Logger } from '../../../../../log.js';
import type { FrameTicker } from '../../../../embedded/media/frame-ticker.js';
import type { PortAllocator } from '../../../../embedded/media/port-allocator.js';
import { FRAME_SAMPLES } from '../../../../embedded/media/rtp-sender.js';
import { RtpSession } from '../../../../embedded/media/rtp-session.js';
import type { NegotiatedAudio } from '../../../../embedded/media/sdp-answer.js';
import type { ToneSource } from '../channel/tone-stream.js';

/** What a media bug does with each frame. */
export interface MediaBugHooks {
  readonly writeReplace: boolean;
  dub(frame: Int16Array): void;
  onFrame(read: Pcm16, write: Pcm16): void;
}

export interface ChannelMediaOptions {
  bindAddress: string;
  ports: PortAllocator;
  clock: Clock;
  ticker: FrameTicker;
  log: Logger;
  /** Received RFC 4733 digit: duration in 8 kHz units. */
  onDtmf(digit: string, duration: number): void;
  /** Media bugs in attach order. */
  bugs(): Iterable<MediaBugHooks>;
  /** Keep up to this much of what the caller heard (ms). */
  recordHeardMs: number;
  /** After every 20 ms frame (the channel refreshes its record). */
  afterTick?(): void;
}

const MAX_READ_QUEUE = 5;
const BIND_ATTEMPTS = 20;

export class ChannelMedia {
  readonly port: number;
  private audio: NegotiatedAudio | undefined;
  private readonly readQueue: Pcm16[] = [];
  private playback: { source: ToneSource; done: (broken: boolean) => void; samples: number } | undefined;
  private unsubscribe: (() => void) | undefined;
  private outFrame: Pcm16 | undefined;
  private stopped = false;
  muted = false;
  heardSamples = 0;
  firstHeardAt: number | undefined;
  private readonly heard: Pcm16[] = [];
  private heardKept = 0;

  private constructor(
    private readonly o: ChannelMediaOptions,
    private readonly rtp: RtpSession,
    port: number,
  ) {
    this.port = port;
  }

  /** Allocate a port and bind it (ports found busy are skipped); media starts with start(). */
  static async open(o: ChannelMediaOptions, audio: NegotiatedAudio | undefined): Promise<ChannelMedia> {
    for (let attempt = 0; attempt < BIND_ATTEMPTS; attempt++) {
      const port = o.ports.allocate();
      const ref: { media?: ChannelMedia } = {};
      const rtp = new RtpSession({
        port,
        bindAddress: o.bindAddress,
        // Until the SDP is known (3PCC), an inert stream: nothing sent, nothing expected.
        audio: audio ?? {
          codec: 'PCMU',
          payloadType: 0,
          remoteAddress: '0.0.0.0',
          remotePort: 0,
          direction: 'inactive',
          send: false,
          receive: false,
        },
        clock: o.clock,
        ticker: o.ticker,
        log: o.log,
        pullOutbound: () => ref.media?.takeOutFrame(),
        onInboundFrame: (pcm) => ref.media?.onInbound(pcm),
        onDtmf: (d) => o.onDtmf(d.digit, Math.round(d.durationMs * 8)),
      });
      try {
        await rtp.bind();
      } catch (err) {
        rtp.stop();
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE' || code === 'EACCES') {
          o.ports.markBusy(port);
          continue;
        }
        o.ports.release(port);
        throw err;
      }
      const media = new ChannelMedia(o, rtp, port);
      media.audio = audio;
      ref.media = media;
      return media;
    }
    throw new Error('no bindable RTP port');
  }

  get negotiated(): NegotiatedAudio | undefined {
    return this.audio;
  }

  get stats() {
    return this.rtp.stats();
  }

  update(audio: NegotiatedAudio): void {
    this.audio = audio;
    this.rtp.update(audio);
  }

  start(): void {
    if (this.unsubscribe || this.stopped) return;
    // Subscribed before the RTP session so each tick computes the write frame before RTP pulls it.
    this.unsubscribe = this.o.ticker.subscribe(() => this.tick());
    this.rtp.start();
  }

  /** uuid_send_dtmf: RFC 4733 to the caller; false when telephone-event was not negotiated. */
  sendDtmf(digit: string, durationUnits: number, pauseMs: number): boolean {
    return this.rtp.sendDtmf(digit, { toneMs: durationUnits / 8, gapMs: pauseMs });
  }

  /** Play a source into the write stream; resolves when it ends (true when it was broken off). */
  play(source: ToneSource): Promise<{ broken: boolean; samples: number }> {
    this.breakPlayback();
    return new Promise((resolve) => {
      const p = {
        source,
        samples: 0,
        done: (broken: boolean) => resolve({ broken, samples: p.samples }),
      };
      this.playback = p;
    });
  }

  /** CF_BREAK: the current playback stops. */
  breakPlayback(): void {
    const p = this.playback;
    this.playback = undefined;
    p?.done(true);
  }

  /** The audio the caller heard (non-silent write frames), up to recordHeardMs. */
  heardPcm(): Pcm16 {
    const out = new Int16Array(this.heardKept);
    let off = 0;
    for (const f of this.heard) {
      out.set(f, off);
      off += f.length;
    }
    return out;
  }

  private onInbound(pcm: Pcm16): void {
    this.readQueue.push(pcm);
    if (this.readQueue.length > MAX_READ_QUEUE) this.readQueue.shift();
  }

  private takeOutFrame(): Pcm16 | undefined {
    const f = this.outFrame;
    this.outFrame = undefined;
    return f;
  }

  private tick(): void {
    const inbound = this.readQueue.shift();
    const read = this.muted || !inbound ? new Int16Array(FRAME_SAMPLES) : inbound;
    const write = new Int16Array(FRAME_SAMPLES);
    const p = this.playback;
    if (p) {
      const f = p.source.next();
      if (f) {
        write.set(f.subarray(0, FRAME_SAMPLES));
        p.samples += f.length;
      } else {
        this.playback = undefined;
        p.done(false);
      }
    }
    const bugs = [...this.o.bugs()];
    for (const b of bugs) if (b.writeReplace) b.dub(write);
    for (const b of bugs) b.onFrame(read, write);
    const audible = write.some((s) => s !== 0);
    this.outFrame = audible ? write : undefined;
    if (audible) this.noteHeard(write);
    this.o.afterTick?.();
  }

  private noteHeard(frame: Pcm16): void {
    this.heardSamples += frame.length;
    this.firstHeardAt ??= this.o.clock.now();
    const cap = (this.o.recordHeardMs * 8000) / 1000;
    if (this.heardKept + frame.length <= cap) {
      this.heard.push(frame);
      this.heardKept += frame.length;
    }
  }

  /** Idempotent: cadence off, socket closed, port released; a playback still running is broken off. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.breakPlayback();
    this.rtp.stop();
    this.o.ports.release(this.port);
  }
}
