/**
 * SIP over WebSocket (RFC 7118) listener: ws:// or wss://, subprotocol `sip` required, one SIP message
 * per frame (text or binary), CRLF keep-alives answered with CRLF. Thin: no SIP logic; messages go to
 * onMessage with their connection, and each connection's close is reported so bindings can be dropped.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '../../../log.js';
import { ConnectionLimits, type TrackedConnection } from './connection-limits.js';
import type { SipPeer, TransportRefusal } from './transport.js';

export interface SipWsListenerOptions {
  transport: 'ws' | 'wss';
  host: string;
  port: number;
  /** PEM certificate chain and key; required for wss. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  maxMessageBytes: number;
  log: Logger;
  nextConnectionId(): number;
  onMessage(data: Buffer, source: SipPeer): void;
  onClose(peer: SipPeer): void;
  /** WebSocket ping interval to detect dead peers (ms, default 30 s; 0 disables). */
  pingIntervalMs?: number;
  /** Connection and queued-bytes caps (shared with TCP). */
  limits?: ConnectionLimits;
  /**
   * Browser origins allowed to connect (scheme://host[:port], lowercase); others get 403 at the upgrade.
   * Absent: any. Clients that send no Origin (not browsers) are not asked.
   */
  allowedOrigins?: readonly string[];
  onRefused?(reason: TransportRefusal, address: string): void;
}

export class SipWsConfigError extends Error {
  readonly code = 'SIP_WSS_NO_CERT';
  constructor(message: string) {
    super(message);
    this.name = 'SipWsConfigError';
  }
}

interface Connection {
  ws: WebSocket;
  peer: SipPeer;
  alive: boolean;
  tracked: TrackedConnection;
}

export class SipWsListener {
  private server: Server | undefined;
  private wss: WebSocketServer | undefined;
  private pinger: ReturnType<typeof setInterval> | undefined;
  private readonly connections = new Map<number, Connection>();
  private readonly limits: ConnectionLimits;
  private readonly origins: Set<string> | undefined;

  constructor(private readonly o: SipWsListenerOptions) {
    this.limits = o.limits ?? new ConnectionLimits();
    this.origins = o.allowedOrigins ? new Set(o.allowedOrigins.map(normalizeOrigin)) : undefined;
    if (o.transport === 'wss' && !o.tls)
      throw new SipWsConfigError(
        'wss needs a certificate and key (SWITCHBOARD_TLS_CERT/SWITCHBOARD_TLS_KEY)',
      );
  }

  async start(): Promise<void> {
    const wss = new WebSocketServer({
      noServer: true,
      maxPayload: this.o.maxMessageBytes,
      handleProtocols: (protocols) => (protocols.has('sip') ? 'sip' : false),
    });
    const server = this.o.tls ? createHttpsServer({ ...this.o.tls }) : createHttpServer();
    server.on('request', (_req, res) => res.writeHead(426, { Upgrade: 'websocket' }).end());
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', () => undefined);
      if (!offersSip(req)) {
        socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n'); // RFC 7118 §4.1: subprotocol sip
        return;
      }
      const refusal = this.refusal(req);
      if (refusal) {
        const address = normalizeAddress(req.socket.remoteAddress ?? '');
        this.o.log.debug({ address, reason: refusal, origin: req.headers.origin }, 'sip ws upgrade refused');
        this.o.onRefused?.(refusal, address);
        const status = refusal === 'origin' ? '403 Forbidden' : '503 Service Unavailable';
        socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => this.adopt(ws, req));
    });
    server.on('tlsClientError', (err) => this.o.log.debug({ err }, 'sip wss handshake failed'));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.o.port, this.o.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.wss = wss;
    const every = this.o.pingIntervalMs ?? 30_000;
    if (every > 0) this.pinger = setInterval(() => this.ping(), every);
  }

  get port(): number {
    const a = this.server?.address();
    return a && typeof a === 'object' ? a.port : this.o.port;
  }

  /** Send one SIP message as one text frame over the connection the peer is on. */
  send(data: Buffer, dest: SipPeer): boolean {
    const c = dest.connectionId !== undefined ? this.connections.get(dest.connectionId) : undefined;
    if (!c || c.ws.readyState !== c.ws.OPEN) {
      this.o.log.debug({ dest }, 'sip ws connection gone; message dropped');
      return false;
    }
    c.ws.send(data.toString('utf8'));
    const over = this.limits.overQueued(c.tracked);
    if (over) {
      this.o.log.warn({ peer: c.peer, reason: over }, 'sip ws peer not reading; closing');
      this.o.onRefused?.(over, c.peer.address);
      c.ws.terminate();
    }
    return true;
  }

  /** Why this upgrade may not proceed: a foreign browser origin, or a connection cap. */
  private refusal(req: IncomingMessage): TransportRefusal | undefined {
    const origin = req.headers.origin;
    if (this.origins && origin !== undefined && !this.origins.has(normalizeOrigin(origin))) return 'origin';
    return this.limits.refusal(normalizeAddress(req.socket.remoteAddress ?? ''));
  }

  /** Close one connection (1000) — used by tests and by the registrar on shutdown. */
  disconnect(connectionId: number): void {
    this.connections.get(connectionId)?.ws.close(1000);
  }

  async stop(): Promise<void> {
    if (this.pinger) clearInterval(this.pinger);
    for (const c of this.connections.values()) c.ws.terminate();
    this.connections.clear();
    this.wss?.close();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }

  private adopt(ws: WebSocket, req: IncomingMessage): void {
    const id = this.o.nextConnectionId();
    const peer: SipPeer = {
      transport: this.o.transport,
      address: normalizeAddress(req.socket.remoteAddress ?? ''),
      port: req.socket.remotePort ?? 0,
      connectionId: id,
    };
    const tracked: TrackedConnection = { address: peer.address, queuedBytes: () => ws.bufferedAmount };
    const conn: Connection = { ws, peer, alive: true, tracked };
    this.limits.add(tracked);
    this.connections.set(id, conn);
    this.o.log.debug({ peer }, 'sip ws connection open');
    ws.on('pong', () => (conn.alive = true));
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
      const buf = Buffer.isBuffer(data)
        ? data
        : Array.isArray(data)
          ? Buffer.concat(data)
          : Buffer.from(data);
      if (/^(\r\n)+$/.test(buf.toString('latin1'))) {
        ws.send('\r\n'); // RFC 5626 §4.4.1 style keep-alive pong, as sip.js expects
        return;
      }
      this.o.onMessage(buf, peer);
    });
    ws.on('error', (err) => this.o.log.debug({ err, peer }, 'sip ws connection error'));
    ws.on('close', () => {
      this.connections.delete(id);
      this.limits.remove(tracked);
      this.o.log.debug({ peer }, 'sip ws connection closed');
      this.o.onClose(peer);
    });
  }

  private ping(): void {
    for (const c of this.connections.values()) {
      if (!c.alive) {
        c.ws.terminate();
        continue;
      }
      c.alive = false;
      c.ws.ping();
    }
  }
}

function offersSip(req: IncomingMessage): boolean {
  const header = req.headers['sec-websocket-protocol'] ?? '';
  return header
    .split(',')
    .map((p) => p.trim().toLowerCase())
    .includes('sip');
}

/** Origins compare as scheme://host[:port], lowercase, without a trailing slash. */
export function normalizeOrigin(origin: string): string {
  return origin.trim().toLowerCase().replace(/\/+$/, '');
}

function normalizeAddress(a: string): string {
  return a.startsWith('::ffff:') && net.isIPv4(a.slice(7)) ? a.slice(7) : a;
}
