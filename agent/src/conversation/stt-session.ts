/**
 * The call's STT stream, kept alive: connects, forwards caller audio, hands events on, and
 * reconnects when the stream fails. This is the ONE layer that retries STT (vendor adapters must not
 * reconnect on their own, STYLE 4). The caller's audio since the last turn boundary is kept (bounded)
 * and replayed into a new stream, so words said while the old one died are transcribed, not lost. A
 * stream that broke after working is replaced at once; failures in a row back off, and after
 * `maxAttempts` of them, or a non-retryable error, STT is gone for good. `restart()` (the watchdog:
 * speech heard, no events) counts as a failure of that stream.
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
  /** Caller audio kept for replay into a new stream, ms (since the last turn boundary). */
  replayMs: number;
  onEvent(event: SttEvent): void;
  /** A working stream broke (or the watchdog restarted it); we are reconnecting. */
  onInterrupted(error: ProviderError): void;
  /** Gone for good; `deaf`: the last streams connected but sent nothing (the watchdog). */
  onGone(error: unknown, deaf: boolean): void;
}

export class SttSession {
  private stream: SttStream | undefined;
  private replay: Pcm16[] = [];
  private replaySamples = 0;
  private gone = false;
  private restarting = false;
  readonly done: Promise<void>;

  constructor(private readonly o: SttSessionOptions) {
    this.done = this.run();
  }

  push(pcm: Pcm16): void {
    if (this.gone) return;
    this.stream?.push(pcm);
    this.replay.push(pcm);
    this.replaySamples += pcm.length;
    const max = (this.o.replayMs * this.o.options.sampleRate) / 1000;
    while (this.replaySamples > max && this.replay.length > 1)
      this.replaySamples -= this.replay.shift()!.length;
  }

  /** A caller turn ended (or its words were dropped): audio before now is never replayed. */
  turnBoundary(): void {
    this.replay = [];
    this.replaySamples = 0;
  }

  finalize(): void {
    this.stream?.finalize();
  }

  get connected(): boolean {
    return this.stream !== undefined;
  }

  /** The stream is alive but deaf (the watchdog): drop it and reconnect, replaying the audio. */
  restart(): void {
    if (!this.stream || this.gone) return;
    this.restarting = true;
    this.stream.close();
  }

  close(): void {
    this.gone = true;
    this.stream?.close();
    this.stream = undefined;
    this.turnBoundary();
  }

  private async run(): Promise<void> {
    let failures = 0;
    let lastError: unknown;
    let deaf = false;
    let immediate = false;
    while (!this.stopped() && failures < this.o.maxAttempts) {
      if (failures > 0 && !immediate)
        await sleep(this.o.clock, this.o.backoffMs * 2 ** (failures - 1), this.o.signal);
      immediate = false;
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
      deaf = this.restarting;
      this.restarting = false;
      const broke = deaf
        ? new ProviderError('stt', 'timeout', 'STT sent nothing while the caller spoke', true)
        : error instanceof ProviderError
          ? error
          : new ProviderError('stt', 'closed', 'STT stream ended', true, { cause: error });
      lastError = broke;
      // A stream that worked and then broke is replaced at once; one that never worked counts on.
      failures = produced ? 1 : failures + 1;
      immediate = produced;
      this.o.log.warn({ err: describe(broke), attempt: failures }, 'STT stream broke');
      if (!broke.retryable) break;
      this.o.onInterrupted(broke);
    }
    if (this.stopped()) return;
    this.gone = true;
    this.o.log.error({ err: describe(lastError), deaf }, 'STT gone for good');
    this.o.onGone(lastError, deaf);
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
      // What the caller said since the last turn boundary, including while we were reconnecting.
      for (const pcm of this.replay) stream.push(pcm);
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
