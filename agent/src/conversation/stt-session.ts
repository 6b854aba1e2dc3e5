/**
 * The call's STT stream, kept alive: connects, forwards caller audio, hands events on, and
 * reconnects with backoff when the stream fails. This is the ONE layer that retries STT (vendor
 * adapters must not reconnect on their own, STYLE 4); after `maxAttempts` failures in a row, or a
 * non-retryable error, STT is gone for good. Audio that arrives while (re)connecting is kept, bounded.
 */
import type { Clock } from '../time/clock.js';
import type { Pcm16 } from '../audio/pcm.js';
import type { Logger } from '../log.js';
import { ProviderError } from '../providers/errors.js';
import type { SttEvent, SttOptions, SttProvider, SttStream } from '../providers/types.js';
import { sleep } from './clock-sleep.js';

export interface SttSessionOptions {
  provider: SttProvider;
  options: Omit<SttOptions, 'signal'>;
  signal: AbortSignal;
  clock: Clock;
  log: Logger;
  maxAttempts: number;
  backoffMs: number;
  connectTimeoutMs: number;
  /** Audio kept while not connected, ms. */
  bufferMs: number;
  onEvent(event: SttEvent): void;
  /** A working stream broke; we are reconnecting. */
  onInterrupted(error: unknown): void;
  onGone(error: unknown): void;
}

export class SttSession {
  private stream: SttStream | undefined;
  private buffered: Pcm16[] = [];
  private bufferedSamples = 0;
  private gone = false;
  readonly done: Promise<void>;

  constructor(private readonly o: SttSessionOptions) {
    this.done = this.run();
  }

  push(pcm: Pcm16): void {
    if (this.stream) {
      this.stream.push(pcm);
      return;
    }
    if (this.gone) return;
    this.buffered.push(pcm);
    this.bufferedSamples += pcm.length;
    const max = (this.o.bufferMs * this.o.options.sampleRate) / 1000;
    while (this.bufferedSamples > max) this.bufferedSamples -= this.buffered.shift()!.length;
  }

  finalize(): void {
    this.stream?.finalize();
  }

  get connected(): boolean {
    return this.stream !== undefined;
  }

  close(): void {
    this.gone = true;
    this.stream?.close();
    this.stream = undefined;
    this.buffered = [];
  }

  private async run(): Promise<void> {
    let failures = 0;
    let lastError: unknown;
    while (!this.stopped() && failures < this.o.maxAttempts) {
      if (failures > 0) await sleep(this.o.clock, this.o.backoffMs * 2 ** (failures - 1), this.o.signal);
      if (this.stopped()) return;
      let stream: SttStream;
      try {
        stream = await this.connect();
      } catch (err) {
        if (this.stopped()) return;
        lastError = err;
        failures++;
        this.o.log.warn({ err: describe(err), attempt: failures }, 'STT connect failed');
        if (err instanceof ProviderError && !err.retryable) break;
        continue;
      }
      const { produced, error } = await this.consume(stream);
      if (this.stopped()) return;
      lastError = error ?? new ProviderError('stt', 'closed', 'STT stream ended', true);
      failures = produced ? 1 : failures + 1;
      this.o.log.warn({ err: describe(lastError), attempt: failures }, 'STT stream broke');
      if (lastError instanceof ProviderError && !lastError.retryable) break;
      this.o.onInterrupted(lastError);
    }
    if (this.stopped()) return;
    this.gone = true;
    this.o.log.error({ err: describe(lastError) }, 'STT gone for good');
    this.o.onGone(lastError);
  }

  private stopped(): boolean {
    return this.o.signal.aborted || this.gone;
  }

  private async connect(): Promise<SttStream> {
    const controller = new AbortController();
    const onAbort = () => controller.abort(this.o.signal.reason);
    this.o.signal.addEventListener('abort', onAbort, { once: true });
    const timer = this.o.clock.setTimeout(
      () => controller.abort(new ProviderError('stt', 'timeout', 'STT connect timed out', true)),
      this.o.connectTimeoutMs,
    );
    try {
      const connecting = this.o.provider.connect({ ...this.o.options, signal: this.o.signal });
      const stream = await raceSignal(connecting, controller.signal);
      for (const pcm of this.buffered.splice(0)) stream.push(pcm);
      this.bufferedSamples = 0;
      this.stream = stream;
      return stream;
    } finally {
      this.o.clock.clearTimeout(timer);
      this.o.signal.removeEventListener('abort', onAbort);
    }
  }

  /** Whether the stream produced anything before it ended (then the failure count restarts), and why it ended. */
  private async consume(stream: SttStream): Promise<{ produced: boolean; error?: unknown }> {
    let produced = false;
    try {
      for await (const ev of stream) {
        if (ev.type === 'error') return { produced, error: ev.error };
        produced = true;
        this.o.onEvent(ev);
      }
      return { produced };
    } catch (err) {
      return { produced, error: err };
    } finally {
      this.stream = undefined;
      stream.close();
    }
  }
}

function raceSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) reject(signal.reason as Error);
    signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
    promise.then(resolve, reject);
  });
}

function describe(err: unknown): Record<string, unknown> {
  return err instanceof ProviderError
    ? { code: err.code, retryable: err.retryable, message: err.message }
    : { message: String(err) };
}
