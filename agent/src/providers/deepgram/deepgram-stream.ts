/**
 * One Deepgram listen stream (Nova on /v1/listen or Flux on /v2/listen) as our SttStream: opens the
 * SDK socket, forwards caller audio, maps server messages to SttEvents, sends KeepAlive when audio
 * stops (v1), and turns every socket failure into exactly one error event.
 */
import { systemClock, type Clock, type TimerHandle } from '../../time/clock.js';
import { bytesFromPcm, type Pcm16 } from '../../audio/pcm.js';
import { ProviderError } from '../errors.js';
import { AsyncQueue } from '../../streams/async-queue.js';
import type { SttEvent, SttOptions, SttStream } from '../types.js';
import { connectError } from '../ws-handshake.js';
import type { DeepgramSttConfig } from './deepgram-stt.js';
import type { DeepgramSocket } from './deepgram-socket.js';

export class DeepgramSttStream implements SttStream {
  private readonly queue: AsyncQueue<SttEvent>;
  private readonly clock: Clock;
  private readonly keepAliveMs: number;
  private lastSentAt: number;
  private keepAliveTimer: TimerHandle | undefined;
  private endTimer: TimerHandle | undefined;
  private opened = false;
  private ending = false;
  private closed = false;
  private erred = false;
  private readonly onAbort = (): void => this.close();

  constructor(
    private readonly socket: DeepgramSocket,
    private readonly options: SttOptions,
    private readonly config: DeepgramSttConfig,
  ) {
    this.clock = config.clock ?? systemClock;
    this.keepAliveMs = config.keepAliveMs ?? 5000;
    this.lastSentAt = this.clock.now();
    this.queue = new AsyncQueue<SttEvent>({
      capacity: 10_000,
      overflow: 'fail',
      onOverflow: () => new ProviderError('stt', 'bad_response', 'STT events not consumed', false),
      onReturn: () => this.close(),
    });
  }

  /** Connect and wait for the socket to open; rejects with ProviderError and leaves nothing running. */
  open(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const fail = (err: unknown): void => {
        if (settled) return;
        settled = true;
        this.clock.clearTimeout(timer);
        this.closeSocket();
        reject(connectError('stt', this.socket.vendor, err));
      };
      const timer = this.clock.setTimeout(() => fail(new Error('TIMEOUT')), timeoutMs + 500);
      this.socket.onOpen(() => {
        if (settled) return;
        settled = true;
        this.clock.clearTimeout(timer);
        this.opened = true;
        this.options.signal.addEventListener('abort', this.onAbort, { once: true });
        this.scheduleKeepAlive();
        resolve();
      });
      this.socket.onMessage((msg) => this.onMessage(msg));
      this.socket.onError((err) => (this.opened ? this.onError(err) : fail(err)));
      this.socket.onClose((code) => {
        if (this.opened) return this.onClose(code);
        // The SDK's socket emits close before the error that caused it; let the error win.
        queueMicrotask(() => fail(new Error(`closed before open (${code})`)));
      });
      this.socket.connect();
    });
  }

  push(pcm: Pcm16): void {
    if (this.closed || this.ending || pcm.length === 0) return;
    try {
      this.socket.sendMedia(bytesFromPcm(pcm));
      this.lastSentAt = this.clock.now();
    } catch (err) {
      this.onError(err);
    }
  }

  finalize(): void {
    if (this.closed || this.ending) return;
    const finalize = this.socket.finalize;
    if (finalize) this.sendControl(() => finalize());
  }

  end(): void {
    if (this.closed || this.ending) return;
    this.ending = true;
    this.stopKeepAlive();
    this.sendControl(() => this.socket.closeStream());
    // Deepgram answers CloseStream with Metadata and a close; do not wait on it forever.
    this.endTimer = this.clock.setTimeout(() => this.close(), this.config.closeStreamTimeoutMs ?? 3000);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopKeepAlive();
    if (this.endTimer) this.clock.clearTimeout(this.endTimer);
    this.options.signal.removeEventListener('abort', this.onAbort);
    this.closeSocket();
    this.queue.close();
  }

  [Symbol.asyncIterator](): AsyncIterator<SttEvent> {
    return this.queue[Symbol.asyncIterator]();
  }

  private onMessage(msg: unknown): void {
    const event = this.socket.toEvent(msg);
    if (event) this.queue.push(event);
  }

  private onError(err: unknown): void {
    if (this.closed) return;
    this.emitError(
      new ProviderError(
        'stt',
        'connect_failed',
        `${this.socket.vendor} socket error: ${(err as Error)?.message ?? err}`,
        true,
        {
          cause: err,
        },
      ),
    );
    this.close();
  }

  private onClose(code: number): void {
    if (this.closed) return;
    if (!this.ending) {
      this.emitError(
        new ProviderError('stt', 'closed', `${this.socket.vendor} closed the stream (${code})`, true),
      );
    }
    this.close();
  }

  private emitError(error: ProviderError): void {
    if (this.erred) return;
    this.erred = true;
    this.config.log?.warn(
      { provider: 'deepgram', code: error.code, err: error.message },
      'stt stream failed',
    );
    this.queue.push({ type: 'error', error });
  }

  private sendControl(send: () => void): void {
    try {
      send();
      this.lastSentAt = this.clock.now();
    } catch (err) {
      this.onError(err);
    }
  }

  /** KeepAlive only when no audio went out for keepAliveMs; wakes exactly when that can be true. */
  private scheduleKeepAlive(delayMs = this.keepAliveMs): void {
    this.keepAliveTimer = this.clock.setTimeout(() => {
      if (this.closed || this.ending) return;
      const idle = this.clock.now() - this.lastSentAt;
      if (idle < this.keepAliveMs) return this.scheduleKeepAlive(this.keepAliveMs - idle);
      const keepAlive = this.socket.keepAlive;
      if (keepAlive) this.sendControl(() => keepAlive());
      this.scheduleKeepAlive();
    }, delayMs);
  }

  private stopKeepAlive(): void {
    if (this.keepAliveTimer) this.clock.clearTimeout(this.keepAliveTimer);
    this.keepAliveTimer = undefined;
  }

  private closeSocket(): void {
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }
}
