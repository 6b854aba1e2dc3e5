/**
 * Streaming TTS over the Cartesia WebSocket through the official @cartesia/cartesia-js (4.2):
 * one socket per call (TtsConnection), one context per reply (TtsUtterance), raw pcm_s16le at the
 * call's rate, max_buffer_delay_ms 0 (generation starts on what we sent, no server-side waiting).
 *
 * Where the SDK's WS helper falls short, and what we do instead:
 * - It has no `close` notification: we listen on its `socket` (public) for close and fail the
 *   call's utterances with ProviderError `closed`.
 * - On send after a close it silently re-dials and drops every context (`_ensureConnected`).
 *   Mid-reply that would hide a failure, so we check the socket before each send and fail instead;
 *   reconnecting is the caller's decision (connect() again).
 * - `tts.websocket()` resolves only after open, so errors before open have no listener and become
 *   unhandled rejections; we construct its exported TTSWS ourselves and listen first.
 * - The SDK always builds a wss:// URL (buildURL); local fakes and proxies therefore serve TLS and
 *   `insecureTls` passes `rejectUnauthorized: false` to `ws` for self-signed certificates.
 */
import type { Logger } from '../../log.js';
import { ProviderError } from '../errors.js';
import type { TtsConnectOptions, TtsConnection, TtsProvider, TtsUtterance } from '../types.js';
import { connectError, messageOf } from '../ws-handshake.js';
import { cartesiaSdk, type CartesiaInstance, type TtsSocket } from './cartesia-sdk.js';
import { CartesiaUtterance } from './cartesia-utterance.js';

export interface CartesiaTtsConfig {
  /** Missing key → connect() rejects with ProviderError auth_failed (start-up does not need it). */
  apiKey: string | undefined;
  /** https://host[:port] (the SDK appends /tts/websocket and forces wss). Default Cartesia's. */
  baseUrl?: string | undefined;
  /** Accept a self-signed certificate (local fakes, TLS-intercepting proxies). */
  insecureTls?: boolean;
  connectTimeoutMs?: number;
  /** Longest wait for audio after text went out, or for `done` after end(). Default 10 000. */
  receiveTimeoutMs?: number;
  log?: Logger;
}

const WS_OPEN = 1;
type RawOutputRate = 8000 | 16000 | 22050 | 24000 | 44100 | 48000;
const RATES: readonly number[] = [8000, 16000, 22050, 24000, 44100, 48000];

export class CartesiaTts implements TtsProvider {
  readonly name = 'cartesia';
  private client: CartesiaInstance | undefined;

  constructor(private readonly config: CartesiaTtsConfig) {}

  private getClient(): CartesiaInstance {
    if (!this.config.apiKey)
      throw new ProviderError('tts', 'auth_failed', 'CARTESIA_API_KEY is not set', false);
    const { Cartesia } = cartesiaSdk();
    this.client ??= new Cartesia({
      apiKey: this.config.apiKey,
      ...(this.config.baseUrl ? { baseURL: this.config.baseUrl } : {}),
      maxRetries: 0,
    });
    return this.client;
  }

  async connect(options: TtsConnectOptions): Promise<TtsConnection> {
    if (!RATES.includes(options.sampleRate)) {
      throw new ProviderError(
        'tts',
        'bad_response',
        `Cartesia cannot produce ${options.sampleRate} Hz`,
        false,
      );
    }
    const client = this.getClient();
    if (options.signal.aborted) throw new ProviderError('tts', 'aborted', 'aborted before connect', false);
    const { TTSWS } = cartesiaSdk();
    const timeoutMs = this.config.connectTimeoutMs ?? 5000;
    const ws = new TTSWS(client, {
      handshakeTimeout: timeoutMs,
      ...(this.config.insecureTls ? { rejectUnauthorized: false } : {}),
    });
    const connection = new CartesiaConnection(ws, options, this.config);
    try {
      await ws.connect();
    } catch (err) {
      connection.close();
      throw connectError('tts', 'Cartesia', err);
    }
    connection.opened();
    return connection;
  }
}

class CartesiaConnection implements TtsConnection {
  private readonly active = new Set<CartesiaUtterance>();
  private open = false;
  private closed = false;
  private failure: ProviderError | undefined;
  private readonly onAbort = (): void => this.close();

  constructor(
    private readonly ws: TtsSocket,
    private readonly options: TtsConnectOptions,
    private readonly config: CartesiaTtsConfig,
  ) {
    ws.on('error', (err) => this.onError(err));
    ws.socket.addEventListener('close', (ev: { code?: number }) => this.onSocketClose(ev.code ?? 1006));
  }

  opened(): void {
    this.open = true;
    this.options.signal.addEventListener('abort', this.onAbort, { once: true });
  }

  utterance(): TtsUtterance {
    const ctx = this.ws.context({
      model_id: this.options.model ?? 'sonic-3',
      voice: this.options.voice,
      language: this.options.language,
      output_format: {
        container: 'raw',
        encoding: 'pcm_s16le',
        sample_rate: this.options.sampleRate as RawOutputRate,
      },
      max_buffer_delay_ms: 0,
    });
    const u = new CartesiaUtterance(ctx, {
      isOpen: () => this.isOpen(),
      receiveTimeoutMs: this.config.receiveTimeoutMs ?? 10_000,
      onFinished: (x) => this.active.delete(x),
      release: (id) => this.ws._unregisterContext(id),
    });
    this.active.add(u);
    if (!this.isOpen())
      u.fail(this.failure ?? new ProviderError('tts', 'closed', 'Cartesia connection is closed', true));
    return u;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.options.signal.removeEventListener('abort', this.onAbort);
    for (const u of [...this.active]) u.cancel();
    if (this.ws.socket.readyState <= WS_OPEN) this.ws.close();
  }

  /** False once the socket closed (idle drop, error) or close() ran: the caller reconnects. */
  isOpen(): boolean {
    return this.open && !this.closed && this.ws.socket.readyState === WS_OPEN;
  }

  private onError(err: { error?: { context_id?: string } | undefined }): void {
    if (!this.open || this.closed) return; // before open: connect() rejects with the cause
    // Errors for a context reach that utterance through its queue; connection-level ones end all.
    if (err.error?.context_id) return;
    this.failAll(
      new ProviderError('tts', 'closed', `Cartesia socket error: ${messageOf(err)}`, true, { cause: err }),
    );
  }

  private onSocketClose(code: number): void {
    if (!this.open || this.closed) return;
    this.failAll(new ProviderError('tts', 'closed', `Cartesia closed the socket (${code})`, true));
  }

  private failAll(error: ProviderError): void {
    this.failure ??= error;
    if (this.active.size)
      this.config.log?.warn({ provider: 'cartesia', code: error.code, err: error.message }, 'tts failed');
    for (const u of [...this.active]) u.fail(error);
  }
}
