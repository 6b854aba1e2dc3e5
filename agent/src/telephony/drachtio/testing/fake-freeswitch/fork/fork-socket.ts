/**
 * mod_audio_fork's WebSocket client (audio_pipe.cpp on libwebsockets), on the `ws` package:
 * - handshake as lws builds it: Pragma/Cache-Control no-cache, `Host` WITHOUT the port, `Origin:
 *   http://host`, the subprotocol, lower-case `authorization: Basic …` only when both credentials
 *   are set and "user:password" fits lws's 128-byte buffer; a server that selects no subprotocol is
 *   accepted (lws falls back to its first protocol), one that selects another is refused;
 * - connection failures are reported as lws's text ("Unable to connect", "HS: ws upgrade response
 *   not 101", "HS: PROTOCOL malformed");
 * - each "writable" pass sends the queued text frames first, then closes (1000, no reason) when
 *   stopping, else sends all audio accumulated since the last pass as ONE binary frame;
 * - after graceful-shutdown every pass sends only a zero-length binary frame: later text is never
 *   sent and close never happens (the module leaks the connection);
 * - received binary data reaches the module in chunks of at most 1024 bytes (rx_buffer_size).
 */
import type { ClientRequest } from 'node:http';
import WebSocket from 'ws';
import type { Logger } from '../../../../../log.js';
import type { WsTarget } from './fork-args.js';

export type ForkSocketState = 'connecting' | 'connected' | 'disconnecting' | 'closed' | 'failed';

export interface ForkSocketOptions {
  target: WsTarget;
  subprotocol: string;
  username?: string;
  password?: string;
  /** MOD_AUDIO_FORK_ALLOW_SELFSIGNED / SKIP_SERVER_CERT_HOSTNAME_CHECK. */
  allowSelfSigned?: boolean;
  skipHostnameCheck?: boolean;
  /** lws context timeout_secs. */
  connectTimeoutMs?: number;
  log: Logger;
  /** Counters updated as frames go out (shared with the fork's record). */
  counters: { framesSent: number; bytesSent: number; emptyFramesSent: number };
  onConnect(): void;
  onConnectFail(reason: string): void;
  onText(text: string): void;
  onBinary(chunk: Uint8Array): void;
  /** Closed by the far end while connected (CONNECTION_DROPPED). */
  onDropped(code: number): void;
  /** Closed after we asked (CONNECTION_CLOSED_GRACEFULLY). */
  onClosed(): void;
}

const RX_CHUNK = 1024;

/** dch_lws_http_basic_auth_gen: no header when "user:pw" does not fit the 128-byte buffer. */
export function basicAuthHeader(user: string | undefined, pw: string | undefined): string | undefined {
  if (!user || !pw) return undefined;
  const n = Buffer.byteLength(user);
  const m = Buffer.byteLength(pw);
  if (128 < 6 + Math.floor((4 * (n + m + 1)) / 3) + 1) return undefined;
  return `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;
}

export class ForkSocket {
  state: ForkSocketState = 'connecting';
  private ws: WebSocket | undefined;
  private texts: string[] = [];
  private audio: Buffer[] = [];
  private audioBytes = 0;
  private graceful = false;
  private flushScheduled = false;

  constructor(private readonly o: ForkSocketOptions) {}

  connect(): void {
    const t = this.o.target;
    const scheme = t.secure ? 'wss' : 'ws';
    const hostPart = t.host.includes(':') ? `[${t.host}]` : t.host;
    const url = `${scheme}://${hostPart}:${t.port}${t.path}`;
    const headers: Record<string, string> = {
      Pragma: 'no-cache',
      'Cache-Control': 'no-cache',
      Host: t.host,
      Origin: `${t.secure ? 'https' : 'http'}://${t.host}`,
    };
    const auth = basicAuthHeader(this.o.username, this.o.password);
    if (auth) headers.authorization = auth;
    const protocol = this.o.subprotocol;
    let ws: WebSocket;
    try {
      ws = new WebSocket(url, [protocol], {
        headers,
        perMessageDeflate: false,
        handshakeTimeout: this.o.connectTimeoutMs ?? 10_000,
        rejectUnauthorized: !this.o.allowSelfSigned,
        ...(this.o.skipHostnameCheck ? { checkServerIdentity: () => undefined } : {}),
        // lws accepts an upgrade without Sec-WebSocket-Protocol; ws would abort it. Pretend it named ours.
        finishRequest: (req: ClientRequest) => {
          req.prependListener('upgrade', (res) => {
            if (res.headers['sec-websocket-protocol'] === undefined)
              res.headers['sec-websocket-protocol'] = protocol;
          });
          req.end();
        },
      });
    } catch (err) {
      queueMicrotask(() => this.fail(`Unable to connect: ${(err as Error).message}`));
      return;
    }
    this.ws = ws;
    ws.binaryType = 'nodebuffer';
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      this.fail('HS: ws upgrade response not 101');
    });
    ws.once('error', (err) => {
      if (this.state !== 'connecting') return;
      this.fail(/subprotocol/i.test(err.message) ? 'HS: PROTOCOL malformed' : 'Unable to connect');
    });
    ws.once('open', () => {
      if (this.state !== 'connecting') return;
      this.state = 'connected';
      ws.on('error', (err) => this.o.log.debug({ err: err.message }, 'fork socket error'));
      ws.on('message', (data: Buffer, isBinary) => this.onMessage(data, isBinary));
      ws.on('close', (code) => this.onClose(code));
      this.o.onConnect();
    });
  }

  private fail(reason: string): void {
    if (this.state !== 'connecting') return;
    this.state = 'failed';
    const ws = this.ws;
    if (ws) {
      ws.removeAllListeners();
      ws.on('error', () => undefined);
      ws.terminate();
    }
    this.o.onConnectFail(reason);
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (this.state !== 'connected') return; // "race condition: got incoming message while closing"
    if (!isBinary) {
      this.o.onText(data.toString('utf8'));
      return;
    }
    for (let i = 0; i < data.length; i += RX_CHUNK) this.o.onBinary(data.subarray(i, i + RX_CHUNK));
  }

  private onClose(code: number): void {
    const was = this.state;
    this.state = 'closed';
    if (was === 'connected') this.o.onDropped(code);
    else if (was === 'disconnecting') this.o.onClosed();
  }

  /** bufferForSending: only while connected. */
  sendText(text: string): void {
    if (this.state !== 'connected') return;
    this.texts.push(text);
    this.scheduleFlush();
  }

  /** Audio accumulated until the next writable pass. */
  appendAudio(bytes: Buffer): void {
    this.audio.push(bytes);
    this.audioBytes += bytes.length;
    this.scheduleFlush();
  }

  /** Bytes of audio waiting for the socket (the module's audio buffer). */
  get pendingAudioBytes(): number {
    return this.audioBytes;
  }

  /** binaryWritePtrResetToZero: the whole unsent buffer is dropped. */
  dropPendingAudio(): void {
    this.audio = [];
    this.audioBytes = 0;
  }

  get isConnected(): boolean {
    return this.state === 'connected';
  }

  gracefulShutdown(): void {
    this.graceful = true;
    this.scheduleFlush();
  }

  /** AudioPipe::close: only from connected; the pending text frames still go out first. */
  close(): void {
    if (this.state !== 'connected') return;
    this.state = 'disconnecting';
    this.scheduleFlush();
  }

  /** The process died (or the fake stopped): the TCP connection just goes away. */
  destroy(): void {
    const ws = this.ws;
    this.state = 'closed';
    if (!ws) return;
    ws.removeAllListeners();
    ws.on('error', () => undefined);
    ws.terminate();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.writable();
    });
  }

  /** LWS_CALLBACK_CLIENT_WRITEABLE, repeated while it asks for another pass. */
  private writable(): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    if (this.state !== 'connected' && this.state !== 'disconnecting') return;
    if (this.graceful) {
      ws.send(Buffer.alloc(0), { binary: true });
      this.o.counters.emptyFramesSent++;
      return;
    }
    for (const t of this.texts.splice(0)) {
      ws.send(t, { binary: false });
    }
    if (this.state === 'disconnecting') {
      ws.close(1000);
      return;
    }
    if (this.audioBytes > 0 && ws.bufferedAmount === 0) {
      const frame = Buffer.concat(this.audio, this.audioBytes);
      this.audio = [];
      this.audioBytes = 0;
      ws.send(frame, { binary: true });
      this.o.counters.framesSent++;
      this.o.counters.bytesSent += frame.length;
    }
  }
}
