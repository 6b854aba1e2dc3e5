/**
 * A fork client that behaves like FreeSWITCH's mod_audio_fork (research/drachtio-freeswitch.md §1, §8),
 * for tests without SIP or RTP: metadata first, then the caller's audio as real-time paced 20 ms
 * frames (silence between sources, like a live call), agent audio buffered and played out in real
 * time into a "heard by the caller" recording with timestamps, killAudio and marks honoured by the
 * same code the embedded gateway uses (ForkLink + PlayoutBuffer), DTMF/hangup notices, close 1000.
 */
import type { Clock } from '../time/clock.js';
import { systemClock } from '../time/clock.js';
import { concatPcm, samplesFor, type Pcm16 } from '../audio/pcm.js';
import { resample } from '../audio/resample.js';
import { readWavFile } from '../audio/wav.js';
import type { InboundMessage, OutboundCommand } from '../fork/protocol.js';
import { createLogger, type Logger } from '../log.js';
import { ForkLink, type ForkTarget } from '../telephony/embedded/media/fork-link.js';
import { FRAME_MS, FrameTicker } from '../telephony/embedded/media/frame-ticker.js';
import type { MarkEvent } from '../telephony/embedded/media/playout-buffer.js';

export interface ForkClientOptions extends ForkTarget {
  callId: string;
  from?: string;
  to?: string;
  profile?: string;
  codec?: string;
  extra?: Record<string, unknown>;
  /** Caller audio rate on the fork (default 8000). */
  sampleRate?: 8000 | 16000;
  /** Rate the agent sends at (default sampleRate). */
  playbackSampleRate?: number;
  /** Rate of the simulated call leg and of the heard recording (default sampleRate). */
  callRate?: number;
  /** Send silence frames when no source is playing, as a live call does (default true). */
  continuousSilence?: boolean;
  /** On the agent's disconnect (or a server close), close with 1000 once playout drained (default true). */
  hangupOnDisconnect?: boolean;
  clock?: Clock;
  ticker?: FrameTicker;
  log?: Logger;
}

export interface HeardFrame {
  /** clock.now() when the frame was played to the "caller". */
  at: number;
  pcm: Pcm16;
}

export interface Timed<T> {
  at: number;
  value: T;
}

interface Source {
  pcm: Pcm16;
  offset: number;
  done: () => void;
}

export class ForkClient {
  readonly link: ForkLink;
  readonly clock: Clock;
  readonly callRate: number;
  /** Agent audio frames as the caller heard them (silent ticks are not recorded). */
  readonly heard: HeardFrame[] = [];
  readonly commands: Timed<OutboundCommand>[] = [];
  readonly marks: Timed<{ name: string; event: MarkEvent }>[] = [];
  readonly hangupRequests: Timed<string>[] = [];
  readonly transfers: Timed<string>[] = [];
  readonly dtmfRequests: Timed<string>[] = [];
  /** Arrival time of the first agent audio, and the total received (samples at callRate). */
  firstAgentAudioAt: number | undefined;
  agentSamplesReceived = 0;
  framesSent = 0;
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly ticker: FrameTicker;
  private readonly frameSamples: number;
  private readonly sources: Source[] = [];
  private unsubscribe: (() => void) | undefined;
  private readonly listeners = new Set<() => void>();
  private socketClosed = false;

  private constructor(private readonly opts: ForkClientOptions) {
    this.clock = opts.clock ?? systemClock;
    this.ticker = opts.ticker ?? new FrameTicker(this.clock);
    const sampleRate = opts.sampleRate ?? 8000;
    this.callRate = opts.callRate ?? sampleRate;
    this.frameSamples = samplesFor(FRAME_MS, this.callRate);
    let resolveClosed!: (v: { code: number; reason: string }) => void;
    this.closed = new Promise((r) => (resolveClosed = r));
    const stamp = <T>(list: Timed<T>[], value: T) => {
      list.push({ at: this.clock.now(), value });
      this.changed();
    };
    this.link = new ForkLink({
      url: opts.url,
      username: opts.username,
      password: opts.password,
      token: opts.token,
      metadata: {
        callId: opts.callId,
        from: opts.from ?? '+15550001111',
        to: opts.to ?? '7000',
        ...(opts.profile ? { profile: opts.profile } : {}),
        codec: opts.codec ?? 'PCMU',
        source: 'test-fork-client',
        sampleRate,
        playbackSampleRate: opts.playbackSampleRate ?? sampleRate,
        extra: opts.extra,
      },
      callRate: this.callRate,
      clock: this.clock,
      log: opts.log ?? createLogger('silent'),
      events: {
        onTransfer: (t) => stamp(this.transfers, t),
        onHangupRequested: (reason) => {
          stamp(this.hangupRequests, reason);
          if (opts.hangupOnDisconnect ?? true) this.hangup();
        },
        onSendDtmf: (d) => stamp(this.dtmfRequests, d),
        onCommand: (cmd) => stamp(this.commands, cmd),
        onMark: (name, event) => stamp(this.marks, { name, event }),
        onAgentAudio: (samples) => {
          this.firstAgentAudioAt ??= this.clock.now();
          this.agentSamplesReceived += samples;
          this.changed();
        },
        onClosed: (code, reason) => {
          // Keep playing what is buffered (the agent's goodbye), then stop the cadence.
          this.socketClosed = true;
          if (this.link.playout.bufferedSamples === 0) this.stopTicking();
          resolveClosed({ code, reason });
          this.changed();
        },
      },
    });
  }

  /** Connect, send the metadata and start the 20 ms cadence. Rejects with ForkConnectError. */
  static async connect(opts: ForkClientOptions): Promise<ForkClient> {
    const client = new ForkClient(opts);
    await client.link.connect();
    client.unsubscribe = client.ticker.subscribe(() => client.onTick());
    return client;
  }

  /** Queue caller audio (at `sampleRate`, default callRate); resolves when its last frame was sent. */
  play(pcm: Pcm16, opts: { sampleRate?: number; trailingSilenceMs?: number } = {}): Promise<void> {
    const audio = resample(pcm, opts.sampleRate ?? this.callRate, this.callRate);
    const tail = new Int16Array(samplesFor(opts.trailingSilenceMs ?? 0, this.callRate));
    return new Promise((done) => this.sources.push({ pcm: concatPcm([audio, tail]), offset: 0, done }));
  }

  async playWav(path: string, opts: { trailingSilenceMs?: number } = {}): Promise<void> {
    const wav = await readWavFile(path);
    return this.play(wav.samples, { sampleRate: wav.sampleRate, ...opts });
  }

  sendDtmf(digit: string, durationMs = 100): void {
    this.notify({ type: 'dtmf', digit, durationMs });
  }

  notify(msg: InboundMessage): void {
    this.link.notify(msg);
  }

  /** Caller hangs up: a hangup notice, then close 1000 (as FreeSWITCH does ~1 ms after hangup). */
  hangup(reason?: string): Promise<{ code: number; reason: string }> {
    if (reason !== undefined) this.notify({ type: 'hangup', reason });
    this.stopTicking();
    this.link.close(1000);
    return this.closed;
  }

  /** Everything heard so far, concatenated (silent ticks left out). */
  heardPcm(): Pcm16 {
    return concatPcm(this.heard.map((f) => f.pcm));
  }

  /** Milliseconds of agent audio the caller heard. */
  heardMs(): number {
    return (this.heard.reduce((n, f) => n + f.pcm.length, 0) * 1000) / this.callRate;
  }

  /** Resolve when `predicate` holds (checked on every event and tick); reject after `timeoutMs`. */
  waitFor(predicate: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!predicate()) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`fork client: timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
    });
  }

  private changed(): void {
    for (const l of [...this.listeners]) l();
  }

  private nextCallerFrame(): Pcm16 | undefined {
    const src = this.sources[0];
    if (!src) return (this.opts.continuousSilence ?? true) ? new Int16Array(this.frameSamples) : undefined;
    const frame = new Int16Array(this.frameSamples);
    frame.set(src.pcm.subarray(src.offset, src.offset + this.frameSamples));
    src.offset += this.frameSamples;
    if (src.offset >= src.pcm.length) {
      this.sources.shift();
      src.done();
    }
    return frame;
  }

  private onTick(): void {
    const frame = this.nextCallerFrame();
    if (frame) {
      this.link.sendAudio(frame);
      this.framesSent++;
    }
    const heard = this.link.pull(this.frameSamples);
    if (heard) this.heard.push({ at: this.clock.now(), pcm: heard });
    if (this.socketClosed && this.link.playout.bufferedSamples === 0) this.stopTicking();
    this.changed();
  }

  private stopTicking(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    for (const s of this.sources.splice(0)) s.done();
  }
}
