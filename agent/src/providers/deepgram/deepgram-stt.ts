/**
 * Streaming STT over Deepgram Listen v1 through the official @deepgram/sdk (5.13).
 * The SDK's auto-reconnect (30 attempts by default) is turned off: a call cannot silently
 * lose audio while the socket re-dials; retry and failover belong to one layer above us.
 */
import { DeepgramClient } from '@deepgram/sdk';
import { systemClock, type Clock, type TimerHandle } from '../../time/clock.js';
import { bytesFromPcm, type Pcm16 } from '../../audio/pcm.js';
import type { Logger } from '../../log.js';
import { ProviderError } from '../errors.js';
import { AsyncQueue } from '../../streams/async-queue.js';
import type { SttEvent, SttOptions, SttProvider, SttStream } from '../types.js';
import { connectError, toHttpBase, toWebSocketBase } from '../ws-handshake.js';
import { flag, sttEventFromDeepgram } from './deepgram-messages.js';

export interface DeepgramSttConfig {
  /** Missing key → connect() rejects with ProviderError auth_failed (start-up does not need it). */
  apiKey: string | undefined;
  /** http(s):// or ws(s):// base, e.g. ws://127.0.0.1:4010 for a local fake. Default Deepgram cloud. */
  baseUrl?: string | undefined;
  connectTimeoutMs?: number;
  /** Send KeepAlive when no audio went out for this long (Deepgram closes idle sockets after ~10 s). */
  keepAliveMs?: number;
  /** After end(), how long to wait for the server to close before closing ourselves. */
  closeStreamTimeoutMs?: number;
  clock?: Clock;
  log?: Logger;
}

type ListenSocket = Awaited<ReturnType<DeepgramClient['listen']['v1']['connect']>>;

export class DeepgramStt implements SttProvider {
  readonly name = 'deepgram';
  private client: DeepgramClient | undefined;

  constructor(private readonly config: DeepgramSttConfig) {}

  private getClient(): DeepgramClient {
    if (!this.config.apiKey) {
      throw new ProviderError('stt', 'auth_failed', 'DEEPGRAM_API_KEY is not set', false);
    }
    if (!this.client) {
      const base = this.config.baseUrl;
      this.client = new DeepgramClient({
        apiKey: this.config.apiKey,
        ...(base
          ? {
              environment: {
                base: toHttpBase(base),
                production: toWebSocketBase(base),
                agent: toWebSocketBase(base),
                agentRest: toHttpBase(base),
              },
            }
          : {}),
      });
    }
    return this.client;
  }

  async connect(options: SttOptions): Promise<SttStream> {
    const client = this.getClient();
    if (options.signal.aborted) throw new ProviderError('stt', 'aborted', 'aborted before connect', false);
    const timeoutMs = this.config.connectTimeoutMs ?? 5000;
    let socket: ListenSocket;
    try {
      socket = await client.listen.v1.connect({
        model: options.model ?? 'nova-3',
        language: options.language,
        encoding: 'linear16',
        sample_rate: options.sampleRate,
        channels: 1,
        interim_results: flag(true),
        endpointing: options.endpointingMs,
        utterance_end_ms: options.utteranceEndMs,
        vad_events: flag(true),
        smart_format: flag(true),
        punctuate: flag(true),
        reconnectAttempts: 0,
        connectionTimeoutInSeconds: timeoutMs / 1000,
      });
    } catch (err) {
      throw connectError('stt', 'Deepgram', err);
    }
    const stream = new DeepgramSttStream(socket, options, this.config);
    await stream.open(timeoutMs);
    return stream;
  }
}

class DeepgramSttStream implements SttStream {
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
    private readonly socket: ListenSocket,
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
        reject(connectError('stt', 'Deepgram', err));
      };
      const timer = this.clock.setTimeout(() => fail(new Error('TIMEOUT')), timeoutMs + 500);
      this.socket.on('open', () => {
        if (settled) return;
        settled = true;
        this.clock.clearTimeout(timer);
        this.opened = true;
        this.options.signal.addEventListener('abort', this.onAbort, { once: true });
        this.scheduleKeepAlive();
        resolve();
      });
      this.socket.on('message', (msg) => this.onMessage(msg));
      this.socket.on('error', (err) => (this.opened ? this.onError(err) : fail(err)));
      this.socket.on('close', (ev) => {
        if (this.opened) return this.onClose(ev.code);
        // The SDK's socket emits close before the error that caused it; let the error win.
        queueMicrotask(() => fail(new Error(`closed before open (${ev.code})`)));
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
    this.sendControl(() => this.socket.sendFinalize({ type: 'Finalize' }));
  }

  end(): void {
    if (this.closed || this.ending) return;
    this.ending = true;
    this.stopKeepAlive();
    this.sendControl(() => this.socket.sendCloseStream({ type: 'CloseStream' }));
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
    const event = sttEventFromDeepgram(msg);
    if (event) this.queue.push(event);
  }

  private onError(err: unknown): void {
    if (this.closed) return;
    this.emitError(
      new ProviderError(
        'stt',
        'connect_failed',
        `Deepgram socket error: ${(err as Error)?.message ?? err}`,
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
      this.emitError(new ProviderError('stt', 'closed', `Deepgram closed the stream (${code})`, true));
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
      this.sendControl(() => this.socket.sendKeepAlive({ type: 'KeepAlive' }));
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
