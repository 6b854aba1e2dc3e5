/**
 * TEST-ONLY: drachtio-server's admin socket (inbound connections, `<admin port secret>`): framing,
 * authenticate (secret + tags), route / remove_route, ping, and the `sip` messages handed to the SIP
 * side. As in Client::processClientMessage, a refused secret or an unknown message type is answered
 * and the client is then dropped; a malformed length drops it at once.
 */
import net from 'node:net';
import { apiReply, FrameReader, frame, parseClientMessage, type ClientMessage } from './wire.js';

export class AdminClient {
  authenticated = false;
  readonly tags = new Set<string>();
  readonly routes = new Set<string>();
  constructor(
    readonly id: number,
    private readonly socket: net.Socket,
    private readonly record: (dir: 'in' | 'out', text: string) => void,
  ) {}

  get open(): boolean {
    return !this.socket.destroyed;
  }

  send(message: string): void {
    if (this.socket.destroyed) return;
    this.record('out', message);
    this.socket.write(frame(message));
  }

  close(): void {
    this.socket.destroy();
  }
}

export interface AdminOptions {
  host: string;
  port: number;
  /** Mutable: a drachtio-server restarted with another secret. */
  secret: string;
  /** `udp/host:port,tcp/host:port` — what authenticate returns. */
  hostports: () => string;
  version: string;
  onSip(client: AdminClient, msg: ClientMessage): void;
  onClientGone(client: AdminClient): void;
}

export class AdminServer {
  private server: net.Server | undefined;
  readonly clients = new Set<AdminClient>();
  /** Every framed message in both directions, for assertions and debugging. */
  readonly log: Array<{ client: number; dir: 'in' | 'out'; text: string }> = [];
  private nextId = 1;
  private readonly sockets = new Set<net.Socket>();

  constructor(private readonly o: AdminOptions) {}

  async start(): Promise<number> {
    const server = net.createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.o.port, this.o.host, () => resolve());
    });
    return (server.address() as net.AddressInfo).port;
  }

  /** The next free admin port the server listens on (after start). */
  get port(): number {
    return (this.server?.address() as net.AddressInfo | null)?.port ?? 0;
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    const client = new AdminClient(this.nextId++, socket, (dir, text) =>
      this.log.push({ client: client.id, dir, text }),
    );
    this.clients.add(client);
    const reader = new FrameReader();
    socket.setNoDelay(true);
    socket.on('data', (chunk) => {
      let messages: string[];
      try {
        messages = reader.push(chunk);
      } catch {
        socket.destroy(); // Client::read_handler: invalid length specifier → leave
        return;
      }
      for (const text of messages) {
        if (socket.destroyed) return;
        this.log.push({ client: client.id, dir: 'in', text });
        this.handle(client, parseClientMessage(text));
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.sockets.delete(socket);
      this.clients.delete(client);
      this.o.onClientGone(client);
    });
  }

  private handle(client: AdminClient, msg: ClientMessage): void {
    switch (msg.type) {
      case 'authenticate': {
        if (msg.args[0] !== this.o.secret) {
          client.send(apiReply(msg.msgId, false, 'incorrect secret'));
          return client.close();
        }
        for (const t of (msg.args[1] ?? '').split(',').filter(Boolean)) client.tags.add(t);
        client.authenticated = true;
        const local = this.o.hostports();
        return client.send(apiReply(msg.msgId, true, `${local}|${this.o.version}|${local}`));
      }
      case 'ping':
        return client.send(apiReply(msg.msgId, true, 'pong'));
      case 'route':
      case 'remove_route': {
        if (!client.authenticated) return this.refuse(client, msg, 'not authenticated');
        const verb = (msg.args[0] ?? '').toLowerCase();
        if (msg.type === 'route') client.routes.add(verb);
        else client.routes.delete(verb);
        return client.send(apiReply(msg.msgId, true));
      }
      case 'sip':
        if (!client.authenticated) return this.refuse(client, msg, 'not authenticated');
        return this.o.onSip(client, msg);
      default:
        return this.refuse(client, msg, 'Unknown message type');
    }
  }

  private refuse(client: AdminClient, msg: ClientMessage, reason: string): void {
    client.send(apiReply(msg.msgId, false, reason));
    client.close();
  }

  /** A client routed for this method, round robin (ClientController::selectClientForRequestOutsideDialog). */
  private offsets = new Map<string, number>();
  clientFor(method: string): AdminClient | undefined {
    const verb = method.toLowerCase();
    const candidates = [...this.clients].filter((c) => c.open && c.authenticated && c.routes.has(verb));
    if (candidates.length === 0) return undefined;
    const i = (this.offsets.get(verb) ?? 0) % candidates.length;
    this.offsets.set(verb, i + 1);
    return candidates[i];
  }

  /** Drop every app connection (as a drachtio-server restart does). */
  dropClients(): void {
    for (const s of this.sockets) s.destroy();
  }

  async stop(): Promise<void> {
    this.dropClients();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }
}
