/**
 * UDP, TCP, TLS and WebSocket (ws-listener.ts) sockets for SIP: thin, no SIP logic beyond stream
 * framing. Incoming messages are handed to onMessage with their source; sends go to an address/port,
 * or over an existing TCP/TLS/WebSocket connection — and when that connection has closed, over a new
 * one to the address and port given (the peer's listening port, RFC 3261 §18), never its old one.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from '../../../log.js';
import { ConnectionLimits, type TrackedConnection } from './connection-limits.js';
import { SipStreamFramer } from './stream-framer.js';
import { SipWsListener } from './ws-listener.js';
import type { TransportName } from './via.js';

export interface SipPeer {
  transport: TransportName;
  address: string;
  port: number;
  /** TCP/TLS/WebSocket connection the message arrived on (responses and in-dialog requests reuse it). */
  connectionId?: number;
  /** TLS: the host name the peer's certificate must carry (and SNI), when `address` is its resolved IP. */
  servername?: string;
}

/** Outbound TLS (sips:, transport=tls): whom we trust. */
export interface SipTlsClientOptions {
  /** PEM CA certificates trusted besides Node's bundled roots (a PBX's private CA). */
  ca?: string | Buffer;
  /** Verify the peer's certificate chain and name (default true; false only for a lab PBX). */
  verify?: boolean;
}

type StreamTransport = 'tcp' | 'tls';

export interface SipTransportOptions {
  host: string;
  port: number;
  transports: TransportName[];
  maxMessageBytes: number;
  log: Logger;
  /** Idle TCP connections are closed after this long. */
  tcpIdleMs?: number;
  /** SIP over WebSocket (RFC 7118), when `transports` has 'ws' / 'wss'. */
  wsPort?: number;
  wssPort?: number;
  /** SIP over TLS listener port, when `transports` has 'tls' (0: any free port). */
  tlsPort?: number;
  /** PEM certificate chain and key for the tls and wss listeners. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  tlsClient?: SipTlsClientOptions;
  /** Caps on TCP and WebSocket connections and their queued bytes (shared by both). */
  limits?: ConnectionLimits;
  /** Browser origins that may open SIP over WebSocket (absent: any). */
  allowedOrigins?: readonly string[];
  /** A connection was refused or closed by a cap (metrics, logs). */
  onRefused?(reason: TransportRefusal, address: string): void;
  /** Connections this returns true for are not closed when idle (they carry a call). */
  keepOpen?(peer: SipPeer): boolean;
}

export type TransportRefusal =
  'connections_total' | 'connections_per_source' | 'queued_per_source' | 'queued_total' | 'origin';

export type MessageSink = (data: Buffer, source: SipPeer) => void;
export type ConnectionCloseSink = (peer: SipPeer) => void;

export class SipTransport {
  private udp: dgram.Socket | undefined;
  private readonly servers = new Map<StreamTransport, net.Server>();
  private readonly connections = new Map<number, net.Socket>();
  private readonly byRemote = new Map<string, number>();
  private nextConnectionId = 1;
  private sink: MessageSink = () => undefined;
  private closeSinks: ConnectionCloseSink[] = [];
  private readonly ws = new Map<'ws' | 'wss', SipWsListener>();
  private readonly tracked = new WeakMap<net.Socket, TrackedConnection>();
  /** Keep-alive pings we sent, waiting for their pong, per connection. */
  private readonly pongWaiters = new Map<number, Array<(ok: boolean) => void>>();
  readonly limits: ConnectionLimits;

  constructor(private readonly opts: SipTransportOptions) {
    this.limits = opts.limits ?? new ConnectionLimits();
    for (const t of ['ws', 'wss'] as const) {
      if (!opts.transports.includes(t)) continue;
      this.ws.set(
        t,
        new SipWsListener({
          transport: t,
          host: opts.host,
          port: (t === 'ws' ? opts.wsPort : opts.wssPort) ?? 0,
          ...(opts.tls ? { tls: opts.tls } : {}),
          maxMessageBytes: opts.maxMessageBytes,
          log: opts.log,
          limits: this.limits,
          ...(opts.allowedOrigins ? { allowedOrigins: opts.allowedOrigins } : {}),
          onRefused: (reason, address) => opts.onRefused?.(reason, address),
          nextConnectionId: () => this.nextConnectionId++,
          onMessage: (data, source) => this.deliver(data, source),
          onClose: (peer) => this.connectionClosed(peer),
        }),
      );
    }
  }

  onMessage(sink: MessageSink): void {
    this.sink = sink;
  }

  /** Called when a TCP or WebSocket connection closes (the registrar drops bindings made over it). */
  onConnectionClosed(sink: ConnectionCloseSink): void {
    this.closeSinks.push(sink);
  }

  async start(): Promise<void> {
    const family = net.isIPv6(this.opts.host) ? 'udp6' : 'udp4';
    if (this.opts.transports.includes('udp')) {
      const sock = dgram.createSocket({ type: family, reuseAddr: false });
      sock.on('message', (data, rinfo) =>
        this.deliver(data, { transport: 'udp', address: rinfo.address, port: rinfo.port }),
      );
      sock.on('error', (err) => this.opts.log.warn({ err }, 'sip udp socket error'));
      await new Promise<void>((resolve, reject) => {
        sock.once('error', reject);
        sock.bind(this.opts.port, this.opts.host, () => {
          sock.off('error', reject);
          resolve();
        });
      });
      this.udp = sock;
    }
    if (this.opts.transports.includes('tcp')) {
      const port =
        this.opts.transports.includes('udp') && this.opts.port === 0 ? this.localPort('udp') : this.opts.port;
      await this.listen(
        'tcp',
        net.createServer((s) => this.adopt(s, 'tcp')),
        port,
      );
    }
    if (this.opts.transports.includes('tls')) {
      if (!this.opts.tls)
        throw new Error('tls needs a certificate and key (SWITCHBOARD_TLS_CERT/SWITCHBOARD_TLS_KEY)');
      const server = tls.createServer(this.opts.tls, (s) => this.adopt(s, 'tls'));
      server.on('tlsClientError', (err, s) =>
        this.opts.log.debug({ err, remote: s.remoteAddress }, 'sip tls handshake failed'),
      );
      await this.listen('tls', server, this.opts.tlsPort ?? 5061);
    }
    for (const l of this.ws.values()) await l.start();
  }

  private async listen(t: StreamTransport, server: net.Server, port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.servers.set(t, server);
  }

  localPort(transport: TransportName): number {
    if (transport === 'udp' && this.udp) return this.udp.address().port;
    if (transport === 'ws' || transport === 'wss') return this.ws.get(transport)?.port ?? 0;
    const addr = this.servers.get(transport === 'tls' ? 'tls' : 'tcp')?.address();
    if (addr && typeof addr === 'object') return addr.port;
    return transport === 'tls' ? (this.opts.tlsPort ?? 5061) : this.opts.port;
  }

  async stop(): Promise<void> {
    for (const l of this.ws.values()) await l.stop();
    for (const s of this.connections.values()) s.destroy();
    this.connections.clear();
    this.byRemote.clear();
    const udp = this.udp;
    this.udp = undefined;
    if (udp) await new Promise<void>((r) => udp.close(() => r()));
    const servers = [...this.servers.values()];
    this.servers.clear();
    for (const server of servers) await new Promise<void>((r) => server.close(() => r()));
  }

  /** Send bytes; over TCP/TLS reuse the given or an existing connection, else connect. Never throws. */
  send(data: Buffer, dest: SipPeer): void {
    try {
      if (dest.transport === 'udp') {
        this.udp?.send(data, dest.port, dest.address);
        return;
      }
      if (dest.transport === 'ws' || dest.transport === 'wss') {
        this.ws.get(dest.transport)?.send(data, dest); // never dials out: peers reach us (RFC 7118 §5)
        return;
      }
      const sock = this.connectionFor(dest);
      sock.write(data);
      this.checkQueue(sock);
    } catch (err) {
      this.opts.log.warn({ err, dest }, 'sip send failed');
    }
  }

  /** The connection named, else one open to dest's address and port, else a new one there. */
  /**
   * A CRLF keep-alive ping (RFC 5626 §4.4.1) over the TCP/TLS connection to dest (opened if need be):
   * true when the pong comes, false when the connection closes first. The caller bounds the wait.
   */
  ping(dest: SipPeer): Promise<boolean> {
    if (dest.transport !== 'tcp' && dest.transport !== 'tls') return Promise.resolve(false);
    try {
      const sock = this.connectionFor(dest);
      const id = [...this.connections].find(([, s]) => s === sock)?.[0];
      if (id === undefined) return Promise.resolve(false);
      const pending = new Promise<boolean>((resolve) => {
        const list = this.pongWaiters.get(id) ?? [];
        list.push(resolve);
        this.pongWaiters.set(id, list);
      });
      sock.write('\r\n\r\n');
      return pending;
    } catch (err) {
      this.opts.log.warn({ err, dest }, 'sip keep-alive ping failed');
      return Promise.resolve(false);
    }
  }

  private settlePings(id: number, ok: boolean): void {
    const list = this.pongWaiters.get(id);
    this.pongWaiters.delete(id);
    for (const resolve of list ?? []) resolve(ok);
  }

  private connectionFor(dest: SipPeer): net.Socket {
    const t: StreamTransport = dest.transport === 'tls' ? 'tls' : 'tcp';
    const byId = dest.connectionId !== undefined ? this.connections.get(dest.connectionId) : undefined;
    if (byId && !byId.destroyed) return byId;
    const existing = this.byRemote.get(remoteKey(t, dest.address, dest.port));
    const sock = existing !== undefined ? this.connections.get(existing) : undefined;
    if (sock && !sock.destroyed) return sock;
    const fresh = t === 'tls' ? this.dialTls(dest) : net.connect({ host: dest.address, port: dest.port });
    this.adopt(fresh, t, dest);
    return fresh;
  }

  /** A TLS connection out (sips:, transport=tls), the peer's certificate checked unless told not to. */
  private dialTls(dest: SipPeer): tls.TLSSocket {
    const client = this.opts.tlsClient ?? {};
    const name = dest.servername ?? (net.isIP(dest.address) === 0 ? dest.address : undefined);
    const sock = tls.connect({
      host: dest.address,
      port: dest.port,
      ...(name ? { servername: name } : {}),
      ...(client.ca ? { ca: [...tls.rootCertificates, client.ca.toString()] } : {}),
      rejectUnauthorized: client.verify ?? true,
    });
    sock.once('error', (err: NodeJS.ErrnoException) =>
      this.opts.log.warn(
        { code: err.code, remote: `${dest.address}:${dest.port}`, servername: name },
        'sip tls connection failed',
      ),
    );
    return sock;
  }

  /** Over a queued-bytes cap after a write: close the connection being written to. */
  private checkQueue(sock: net.Socket): void {
    const t = this.tracked.get(sock);
    const over = t && this.limits.overQueued(t);
    if (!over || !t) return;
    this.opts.log.warn({ remote: t.address, reason: over }, 'sip tcp peer not reading; closing');
    this.opts.onRefused?.(over, t.address);
    sock.destroy();
  }

  private adopt(sock: net.Socket, transport: StreamTransport, remote?: SipPeer): void {
    const address = remote?.address ?? normalizeAddress(sock.remoteAddress ?? '');
    const refusal = remote ? undefined : this.limits.refusal(address);
    if (refusal) {
      this.opts.onRefused?.(refusal, address);
      sock.on('error', () => undefined);
      sock.destroy();
      return;
    }
    const id = this.nextConnectionId++;
    const port = remote?.port ?? sock.remotePort ?? 0;
    const key = remoteKey(transport, address, port);
    const peer: SipPeer = { transport, address, port, connectionId: id };
    const tracked: TrackedConnection = { address, queuedBytes: () => sock.writableLength };
    this.limits.add(tracked);
    this.tracked.set(sock, tracked);
    this.connections.set(id, sock);
    this.byRemote.set(key, id);
    const framer = new SipStreamFramer(this.opts.maxMessageBytes);
    const idleMs = this.opts.tcpIdleMs ?? 600_000;
    sock.setTimeout(idleMs);
    sock.on('timeout', () => {
      if (this.opts.keepOpen?.(peer))
        sock.setTimeout(idleMs); // it carries a call: wait another round
      else sock.destroy();
    });
    sock.on('data', (chunk: Buffer) => {
      const { frames, error, keepalives } = framer.push(chunk);
      for (const k of keepalives ?? []) {
        if (k === 'ping')
          sock.write('\r\n'); // the pong (RFC 5626 §3.5.1)
        else this.settlePings(id, true);
      }
      for (const f of frames) this.deliver(f, peer);
      if (error) {
        this.opts.log.warn({ remote: key, error }, 'sip tcp stream unusable; closing');
        sock.destroy();
      }
    });
    sock.on('error', (err) => this.opts.log.debug({ err, remote: key }, 'sip tcp connection error'));
    sock.on('close', () => {
      this.connections.delete(id);
      this.limits.remove(tracked);
      if (this.byRemote.get(key) === id) this.byRemote.delete(key);
      this.settlePings(id, false);
      this.connectionClosed(peer);
    });
  }

  private connectionClosed(peer: SipPeer): void {
    for (const sink of this.closeSinks) {
      try {
        sink(peer);
      } catch (err) {
        this.opts.log.error({ err, peer }, 'sip connection-close handler threw');
      }
    }
  }

  private deliver(data: Buffer, source: SipPeer): void {
    try {
      this.sink(data, { ...source, address: normalizeAddress(source.address) });
    } catch (err) {
      this.opts.log.error({ err, source }, 'sip message handler threw');
    }
  }
}

function remoteKey(t: StreamTransport, address: string, port: number): string {
  return `${t}:${address}:${port}`;
}

function normalizeAddress(a: string): string {
  return a.startsWith('::ffff:') && net.isIPv4(a.slice(7)) ? a.slice(7) : a;
}
