/**
 * TEST-ONLY: a WebSocket server standing in for the agent's /fork endpoint: records the upgrade
 * request (headers as sent, raw names included), every message with its arrival time, and the close.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface ForkMessage {
  at: number;
  text?: string;
  binary?: Buffer;
}

export class ForkConnection {
  readonly messages: ForkMessage[] = [];
  readonly closed: Promise<{ code: number; reason: string; at: number }>;
  closeInfo: { code: number; reason: string; at: number } | undefined;

  constructor(
    readonly ws: WebSocket,
    readonly req: IncomingMessage,
  ) {
    ws.on('message', (data: Buffer, isBinary) =>
      this.messages.push(
        isBinary
          ? { at: performance.now(), binary: data }
          : { at: performance.now(), text: data.toString('utf8') },
      ),
    );
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString(), at: performance.now() };
        resolve(this.closeInfo);
      }),
    );
  }

  texts(): string[] {
    return this.messages.flatMap((m) => (m.text !== undefined ? [m.text] : []));
  }

  binaries(): ForkMessage[] {
    return this.messages.filter((m) => m.binary !== undefined);
  }
}

export interface ForkServer {
  readonly url: string;
  readonly port: number;
  readonly connections: ForkConnection[];
  waitConnection(index?: number, timeoutMs?: number): Promise<ForkConnection>;
  close(): Promise<void>;
}

export async function startForkServer(o: { selectProtocol?: boolean } = {}): Promise<ForkServer> {
  const http: Server = createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({
    server: http,
    perMessageDeflate: false,
    handleProtocols: (protocols) => (o.selectProtocol === false ? false : ([...protocols][0] ?? false)),
  });
  const connections: ForkConnection[] = [];
  wss.on('connection', (ws, req) => connections.push(new ForkConnection(ws, req)));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
  const port = (http.address() as AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}/fork`,
    port,
    connections,
    async waitConnection(index = 0, timeoutMs = 3000) {
      const end = Date.now() + timeoutMs;
      while (!connections[index]) {
        if (Date.now() > end) throw new Error('no fork connection');
        await new Promise((r) => setTimeout(r, 10));
      }
      return connections[index]!;
    },
    async close() {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}
