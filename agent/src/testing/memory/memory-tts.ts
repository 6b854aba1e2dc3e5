/**
 * The in-memory TTS double: a tone per character on an injected clock. Same contract as the Cartesia
 * adapter (tts-conformance.test.ts runs both): cancel() and close() end utterances quietly; a
 * vendor error, a dropped connection or no audio within the receive timeout fail the utterance with
 * a ProviderError; a connection the "server" dropped reports isOpen() false and fails new
 * utterances at once, never re-dialling.
 */
import type { Clock, TimerHandle } from '../../time/clock.js';
import type { Pcm16 } from '../../audio/pcm.js';
import { ProviderError } from '../../providers/errors.js';
import type {
  TtsConnectOptions,
  TtsConnection,
  TtsEvent,
  TtsProvider,
  TtsUtterance,
} from '../../providers/types.js';
import { AsyncQueue } from '../../streams/async-queue.js';

export interface MemoryTtsOptions {
  /** Audio length per character of text. */
  msPerChar: number;
  /** Delay from text to its audio. */
  ttfbMs: number;
  /** Audio is delivered in chunks of this length. */
  chunkMs: number;
  /** Longest wait for audio after text went out (as the adapter's). Default 10 000. */
  receiveTimeoutMs: number;
  /** How long connect() takes. Default 0. */
  connectDelayMs: number;
}

/** How the next utterance fails: after N audio chunks with `error`, or 'silent' (never any audio). */
export type TtsFailure = { afterChunks: number; error: ProviderError } | 'silent';

/** A 440 Hz tone, so tests can tell agent audio from silence. */
export function tone(samples: number, rate: number, amplitude = 8000): Pcm16 {
  const out = new Int16Array(samples);
  for (let i = 0; i < samples; i++) out[i] = Math.round(amplitude * Math.sin((2 * Math.PI * 440 * i) / rate));
  return out;
}

export class MemoryUtterance implements TtsUtterance {
  readonly texts: string[] = [];
  ended = false;
  cancelled = false;
  private readonly queue = new AsyncQueue<TtsEvent>({ capacity: 100_000 });
  private pending = 0;
  private chunksOut = 0;
  private watchdog: TimerHandle | undefined;
  private finished = false;

  constructor(
    private readonly clock: Clock,
    private readonly sampleRate: number,
    private readonly o: MemoryTtsOptions,
    private readonly failure: TtsFailure | undefined,
    private readonly onFinished: (u: MemoryUtterance) => void,
    private readonly onChunk: () => void = () => undefined,
  ) {}

  get text(): string {
    return this.texts.join('');
  }

  pushText(text: string): void {
    if (this.finished || this.ended) return;
    this.texts.push(text);
    this.pending++;
    this.armWatchdog();
    if (this.o.ttfbMs > 0) this.clock.setTimeout(() => this.produce(text), this.o.ttfbMs);
    else queueMicrotask(() => this.produce(text));
  }

  end(): void {
    if (this.finished || this.ended) return;
    this.ended = true;
    this.armWatchdog();
    this.maybeDone();
  }

  cancel(): void {
    if (this.finished) return;
    this.cancelled = true;
    this.finish();
    this.queue.clear();
  }

  /** The connection failed under this utterance. */
  fail(error: ProviderError): void {
    if (this.finished) return;
    this.finish();
    this.queue.fail(error);
  }

  [Symbol.asyncIterator](): AsyncIterator<TtsEvent> {
    return this.queue[Symbol.asyncIterator]();
  }

  private produce(text: string): void {
    this.pending--;
    if (this.finished || this.failure === 'silent') return;
    const total = Math.round((text.trim().length * this.o.msPerChar * this.sampleRate) / 1000);
    const chunk = Math.round((this.o.chunkMs * this.sampleRate) / 1000);
    for (let at = 0; at < total && !this.finished; at += chunk) {
      if (this.failure && this.chunksOut >= this.failure.afterChunks) return this.fail(this.failure.error);
      this.chunksOut++;
      this.queue.push({ type: 'audio', pcm: tone(Math.min(chunk, total - at), this.sampleRate) });
      this.onChunk();
    }
    if (this.finished) return;
    if (this.failure && this.chunksOut >= this.failure.afterChunks) return this.fail(this.failure.error);
    if (this.ended) this.armWatchdog();
    else this.disarm();
    this.maybeDone();
  }

  private maybeDone(): void {
    if (!this.ended || this.pending > 0 || this.finished || this.failure === 'silent') return;
    this.finish();
    this.queue.push({ type: 'done' });
    this.queue.close();
  }

  private armWatchdog(): void {
    this.disarm();
    this.watchdog = this.clock.setTimeout(
      () => this.fail(new ProviderError('tts', 'timeout', 'no audio from the memory TTS in time', true)),
      this.o.receiveTimeoutMs,
    );
  }

  private disarm(): void {
    if (this.watchdog) this.clock.clearTimeout(this.watchdog);
    this.watchdog = undefined;
  }

  private finish(): void {
    this.finished = true;
    this.disarm();
    this.onFinished(this);
  }
}

class MemoryConnection implements TtsConnection {
  private readonly active = new Set<MemoryUtterance>();
  private closed = false;
  private chunks = 0;
  private failure: ProviderError | undefined;

  constructor(
    private readonly tts: MemoryTts,
    private readonly options: TtsConnectOptions,
  ) {}

  utterance(): TtsUtterance {
    const u = new MemoryUtterance(
      this.tts.clock,
      this.options.sampleRate,
      this.tts.o,
      this.tts.takeFailure(),
      (x) => this.active.delete(x),
      () => {
        this.chunks++;
        const after = this.tts.dropAfterChunks;
        if (after !== undefined && this.chunks >= after) this.drop();
      },
    );
    this.tts.utterances.push(u);
    this.active.add(u);
    if (!this.isOpen())
      u.fail(this.failure ?? new ProviderError('tts', 'closed', 'memory TTS connection is closed', true));
    return u;
  }

  isOpen(): boolean {
    return !this.closed && this.failure === undefined;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.tts.closedConnections++;
    for (const u of [...this.active]) u.cancel();
  }

  /** The "server" closed the socket: utterances in flight fail, later ones fail at once. */
  drop(): void {
    if (this.closed || this.failure) return;
    this.failure = new ProviderError('tts', 'closed', 'memory TTS: the server closed the connection', true);
    for (const u of [...this.active]) u.fail(this.failure);
  }
}

export class MemoryTts implements TtsProvider {
  readonly name: string = 'memory-tts';
  readonly utterances: MemoryUtterance[] = [];
  readonly connects: TtsConnectOptions[] = [];
  closedConnections = 0;
  failConnects = 0;
  /** The next utterance fails (see TtsFailure). */
  failNext: TtsFailure | undefined;
  /** The server drops a connection once it has sent this many audio chunks. */
  dropAfterChunks: number | undefined;
  readonly o: MemoryTtsOptions;
  private readonly connections: MemoryConnection[] = [];

  constructor(
    readonly clock: Clock,
    options: Partial<MemoryTtsOptions> = {},
  ) {
    this.o = {
      msPerChar: 60,
      ttfbMs: 0,
      chunkMs: 40,
      receiveTimeoutMs: 10_000,
      connectDelayMs: 0,
      ...options,
    };
  }

  connect(options: TtsConnectOptions): Promise<TtsConnection> {
    this.connects.push(options);
    if (options.signal.aborted)
      return Promise.reject(new ProviderError('tts', 'aborted', 'aborted before connect', false));
    if (this.failConnects > 0) {
      this.failConnects--;
      return Promise.reject(new ProviderError('tts', 'connect_failed', 'scripted TTS connect failure', true));
    }
    const c = new MemoryConnection(this, options);
    this.connections.push(c);
    if (this.o.connectDelayMs <= 0) return Promise.resolve(c);
    return new Promise((resolve) => this.clock.setTimeout(() => resolve(c), this.o.connectDelayMs));
  }

  /** The server drops every open connection (an idle socket closed between turns). */
  dropConnections(): void {
    for (const c of this.connections) c.drop();
  }

  takeFailure(): TtsFailure | undefined {
    const f = this.failNext;
    this.failNext = undefined;
    return f;
  }

  /** Texts of every utterance that got any text, in order. */
  spoken(): string[] {
    return this.utterances.map((u) => u.text.trim()).filter((t) => t);
  }
}
