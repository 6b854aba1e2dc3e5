/**
 * A local Cartesia TTS WebSocket server (wss://…/tts/websocket, self-signed TLS) speaking the real
 * wire protocol (research §3.3), so the official @cartesia/cartesia-js runs unmodified against it.
 * Per context: `firstByteMs` after the first text, base64 pcm_s16le `chunk`s at the requested rate
 * (a vowel-like voice, ~55 ms per character, 40 ms chunks, 4× faster than real time), `done` after
 * continue:false; `cancel` stops that context. Test-only.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { CartesiaFakeSession, type CartesiaFakeContext } from './cartesia-session.js';
import { selfSignedCert } from './tls-cert.js';

export type { CartesiaFakeContext } from './cartesia-session.js';

export interface CartesiaFakeScript {
  /** Delay from a context's first text to its first audio chunk. Default 90. */
  firstByteMs?: number;
  /** Audio per character of text. Default 55. */
  msPerChar?: number;
  /** Audio per chunk. Default 40. */
  chunkMs?: number;
  /** How much faster than real time chunks are sent. Default 4. */
  speed?: number;
  /** Failure: the n-th context (0-based, across connections) gets an error instead of audio. */
  errorOnContext?: { index: number; status?: number; message?: string };
  /** Failure: stop sending (socket stays open) after this many chunks on one connection. */
  stallAfterChunks?: number;
  /** Failure: close the socket (1011) after this many chunks on one connection. */
  closeAfterChunks?: number;
  /** Failure: answer every upgrade with this HTTP status. */
  refuseStatus?: number;
  /** Failure: close a connection once it has been idle (no context generating) this long, as Cartesia drops idle sockets. */
  closeIdleAfterMs?: number;
}

export interface CartesiaFake {
  /** https://host:port — CARTESIA_BASE_URL (the SDK turns it into wss://host:port/tts/websocket). */
  readonly url: string;
  readonly port: number;
  readonly apiKey: string;
  /** PEM of the self-signed certificate, for clients that want to pin it instead of skipping checks. */
  readonly cert: string;
  script: CartesiaFakeScript;
  /** Every context seen, in order of first message. */
  readonly contexts: CartesiaFakeContext[];
  /** Upgrade requests seen, accepted or not. */
  readonly attempts: number;
  /** Accepted WebSocket connections. */
  readonly connectionCount: number;
  /** Headers of the last upgrade request (authorization redacted to its scheme). */
  readonly lastHeaders: Record<string, string | string[] | undefined>;
  waitFor(cond: () => boolean, timeoutMs?: number): Promise<void>;
  /** The server closes every open connection cleanly (code 1000 by default), as on an idle timeout. */
  closeConnections(code?: number): void;
  /** Connections the server has closed or lost. */
  readonly closedConnections: number;
  close(): Promise<void>;
}

function reject(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

class CartesiaFakeServer implements CartesiaFake {
  readonly contexts: CartesiaFakeContext[] = [];
  readonly sessions: CartesiaFakeSession[] = [];
  attempts = 0;
  url = '';
  port = 0;
  lastHeaders: Record<string, string | string[] | undefined> = {};
  readonly cert: string;
  private readonly server: Server;
  private readonly wss = new WebSocketServer({ noServer: true });

  constructor(
    public script: CartesiaFakeScript,
    readonly apiKey: string,
  ) {
    const tls = selfSignedCert();
    this.cert = tls.cert;
    this.server = createServer({ key: tls.key, cert: tls.cert }, (_req, res) => res.writeHead(404).end());
    this.server.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
  }

  get connectionCount(): number {
    return this.sessions.length;
  }

  async listen(host: string, port: number): Promise<void> {
    await new Promise<void>((resolve, rejectListen) => {
      this.server.once('error', rejectListen);
      this.server.listen(port, host, () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    this.url = `https://${host.includes(':') ? `[${host}]` : host}:${this.port}`;
  }

  /** The CJS SDK sends headers; the browser path (ESM on Node 22+) sends query parameters. */
  private authorised(req: IncomingMessage, url: URL): boolean {
    const header = req.headers.authorization === `Bearer ${this.apiKey}` && !!req.headers['cartesia-version'];
    const query =
      (url.searchParams.get('api_key') === this.apiKey ||
        url.searchParams.get('access_token') === this.apiKey) &&
      url.searchParams.has('cartesia_version');
    return header || query;
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.attempts++;
    const { authorization, ...rest } = req.headers;
    this.lastHeaders = { ...rest, authorization: authorization?.split(' ')[0] };
    const url = new URL(req.url ?? '/', 'https://fake');
    if (url.pathname !== '/tts/websocket') return reject(socket, 404, 'Not Found');
    if (!this.authorised(req, url)) return reject(socket, 401, 'Unauthorized');
    if (this.script.refuseStatus) return reject(socket, this.script.refuseStatus, 'Refused');
    this.wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      this.sessions.push(
        new CartesiaFakeSession(
          this.sessions.length,
          ws,
          () => this.script,
          (c) => this.contexts.push(c) - 1,
        ),
      );
    });
  }

  get closedConnections(): number {
    return this.sessions.filter((x) => x.closed).length;
  }

  closeConnections(code = 1000): void {
    for (const x of this.sessions) x.closeByServer(code, 'fake: idle timeout');
  }

  async waitFor(cond: () => boolean, timeoutMs = 5000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!cond()) {
      if (Date.now() > until) throw new Error('cartesia fake: condition not met in time');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async close(): Promise<void> {
    for (const s of this.sessions) s.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export async function startCartesiaFake(
  script: CartesiaFakeScript = {},
  options: { apiKey?: string; host?: string; port?: number } = {},
): Promise<CartesiaFake> {
  const fake = new CartesiaFakeServer(script, options.apiKey ?? 'test-cartesia-key');
  await fake.listen(options.host ?? '127.0.0.1', options.port ?? 0);
  return fake;
}
