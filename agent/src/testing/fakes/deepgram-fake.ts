/**
 * A local Deepgram Listen v1 server speaking the real wire protocol (research §3.1), so the
 * official @deepgram/sdk runs unmodified against it. It hears audio with an energy detector and
 * answers with scripted transcripts: SpeechStarted on onset, interim Results during speech, a final
 * (speech_final) `finalDelayMs` after `endpointing` ms of silence, then UtteranceEnd.
 * Test-only; production code never imports this folder.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { FakeListenSession, type DeepgramFakeConnection } from './deepgram-session.js';

export type { DeepgramFakeConnection } from './deepgram-session.js';

export interface DeepgramFakeScript {
  /** Transcripts handed out in order, one per detected utterance (shared across connections). */
  utterances: string[];
  /** Start again from the first utterance when the list runs out (otherwise finals are empty). */
  loop?: boolean;
  /** Delay between the endpoint (silence ≥ endpointing) and the final Results. Default 150. */
  finalDelayMs?: number;
  /** Interim Results cadence while speech continues, in audio ms. Default 250. */
  interimEveryMs?: number;
  /** Energy threshold of the detector. Default -45 dBFS. */
  thresholdDbfs?: number;
  /** Failure: close the socket (1011) right after this many finals on a connection. */
  dropAfterUtterances?: number;
  /** Failure: how the drop happens. 'close' = WebSocket close 1011, 'destroy' = TCP reset. */
  dropMode?: 'close' | 'destroy';
  /** Failure: answer every upgrade with this HTTP status. */
  refuseStatus?: number;
  /** Failure: hold each upgrade this long before accepting it. */
  connectDelayMs?: number;
}

export interface DeepgramFakeOptions {
  apiKey?: string;
  host?: string;
  port?: number;
}

export interface DeepgramFake {
  /** ws://host:port — give this to the adapter as DEEPGRAM_BASE_URL. */
  readonly url: string;
  readonly port: number;
  readonly apiKey: string;
  script: DeepgramFakeScript;
  /** Every accepted connection, oldest first. */
  readonly connections: DeepgramFakeConnection[];
  /** Upgrade requests seen, accepted or not (a reconnect storm shows up here). */
  readonly attempts: number;
  /** Replace the script and start handing out utterances from the first one. */
  setScript(script: DeepgramFakeScript): void;
  /** Resolves once `n` connections have been accepted (bounded by timeoutMs). */
  waitForConnections(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

function reject(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n`);
}

class DeepgramFakeServer implements DeepgramFake {
  readonly connections: FakeListenSession[] = [];
  attempts = 0;
  url = '';
  port = 0;
  private cursor = 0;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly server: Server;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly held = new Set<Duplex>();

  constructor(
    public script: DeepgramFakeScript,
    readonly apiKey: string,
  ) {
    this.server = createServer((_req, res) => res.writeHead(404).end());
    this.server.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
  }

  async listen(host: string, port: number): Promise<void> {
    await new Promise<void>((resolve, rejectListen) => {
      this.server.once('error', rejectListen);
      this.server.listen(port, host, () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    this.url = `ws://${host.includes(':') ? `[${host}]` : host}:${this.port}`;
  }

  setScript(script: DeepgramFakeScript): void {
    this.script = script;
    this.cursor = 0;
  }

  nextTranscript(): string {
    const list = this.script.utterances;
    if (list.length === 0) return '';
    if (this.cursor >= list.length) {
      if (!this.script.loop) return '';
      this.cursor = 0;
    }
    return list[this.cursor++]!;
  }

  async waitForConnections(n: number, timeoutMs = 5000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.connections.length < n) {
      if (Date.now() > until) throw new Error(`deepgram fake: ${this.connections.length}/${n} connections`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.attempts++;
    const url = new URL(req.url ?? '/', 'http://fake');
    if (url.pathname !== '/v1/listen') return reject(socket, 404, 'Not Found');
    if (req.headers.authorization !== `Token ${this.apiKey}`) return reject(socket, 401, 'Unauthorized');
    if (this.script.refuseStatus) return reject(socket, this.script.refuseStatus, 'Refused');
    const rate = Number(url.searchParams.get('sample_rate'));
    if (url.searchParams.get('encoding') !== 'linear16' || !Number.isInteger(rate) || rate < 8000) {
      return reject(socket, 400, 'Bad Request');
    }
    const accept = (): void => {
      if (socket.destroyed) return;
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, url.searchParams));
    };
    const delay = this.script.connectDelayMs ?? 0;
    if (delay <= 0) return accept();
    this.held.add(socket);
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.held.delete(socket);
      accept();
    }, delay);
    this.timers.add(t);
  }

  private onConnection(ws: WebSocket, query: URLSearchParams): void {
    const session = new FakeListenSession(
      this.connections.length,
      ws,
      query,
      () => this.script,
      () => this.nextTranscript(),
    );
    this.connections.push(session);
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    for (const s of this.held) s.destroy();
    for (const c of this.connections) c.terminate();
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export async function startDeepgramFake(
  script: DeepgramFakeScript = { utterances: [] },
  options: DeepgramFakeOptions = {},
): Promise<DeepgramFake> {
  const fake = new DeepgramFakeServer(script, options.apiKey ?? 'test-deepgram-key');
  await fake.listen(options.host ?? '127.0.0.1', options.port ?? 0);
  return fake;
}
