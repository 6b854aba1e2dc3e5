/**
 * A local Deepgram server speaking the real wire protocols, so the official @deepgram/sdk runs
 * unmodified against it. It hears audio with an energy detector and answers with scripted
 * transcripts, one per detected speech segment.
 * - Listen v1 (/v1/listen, research §3.1): SpeechStarted on onset, interim Results during speech, a
 *   final (speech_final) `finalDelayMs` after `endpointing` ms of silence, then UtteranceEnd.
 * - Flux (/v2/listen): Connected, then TurnInfo StartOfTurn / Update / EagerEndOfTurn / TurnResumed
 *   / EndOfTurn (deepgram-flux-session.ts says how the fake decides turns).
 * Test-only; production code never imports this folder.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { FakeFluxSession, type FluxSegment } from './deepgram-flux-session.js';
import type { DeepgramFakeConnection, FakeSessionBase } from './deepgram-session-base.js';
import { FakeListenSession } from './deepgram-session.js';

export type { DeepgramFakeConnection } from './deepgram-session-base.js';

export interface DeepgramFakeScript {
  /** Transcripts handed out in order, one per detected utterance (shared across connections). */
  utterances: string[];
  /** Start again from the first utterance when the list runs out (otherwise finals are empty). */
  loop?: boolean;
  /** Delay between the endpoint (silence ≥ endpointing) and the final Results. Default 150. */
  finalDelayMs?: number;
  /** Delay between a Finalize and the final it produces. Default 0 (at once). */
  finalizeDelayMs?: number;
  /** Interim Results cadence while speech continues, in audio ms. Default 250. */
  interimEveryMs?: number;
  /** Energy threshold of the detector. Default -45 dBFS. */
  thresholdDbfs?: number;
  /** Failure: close the socket (1011) right after this many finals on a connection. */
  dropAfterUtterances?: number;
  /**
   * Failure: drop the connection mid-utterance, once it has heard this much speech (ms). One drop per
   * setting: the fake clears it when it fires.
   */
  dropAfterSpeechMs?: number;
  /** Failure: how the drop happens. 'close' = WebSocket close 1011, 'destroy' = TCP reset. */
  dropMode?: 'close' | 'destroy';
  /** Failure: answer every upgrade with this HTTP status. */
  refuseStatus?: number;
  /** Failure: hold each upgrade this long before accepting it. */
  connectDelayMs?: number;
  /** Flux: indices of `utterances` after which the caller's turn goes on (a pause inside the turn). */
  holds?: number[];
  /** Flux: silence after the end of a turn until end_of_turn_confidence reaches 0.7. Default 260. */
  fluxEotLatencyMs?: number;
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
  /** Every accepted connection (v1 and Flux), oldest first. */
  readonly connections: DeepgramFakeConnection[];
  /** Upgrade requests seen, accepted or not (a reconnect storm shows up here). */
  readonly attempts: number;
  /** Transcripts handed out (speech segments heard) since the script was last set. */
  readonly handedOut: number;
  /** Replace the script and start handing out utterances from the first one. */
  setScript(script: DeepgramFakeScript): void;
  /** The server drops every open connection now (close 1011, or a TCP reset). */
  dropConnections(mode?: 'close' | 'destroy'): void;
  /** Resolves once `n` connections have been accepted (bounded by timeoutMs). */
  waitForConnections(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

function reject(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n`);
}

/** Flux takes these rates (research anchors §1.5). */
const FLUX_RATES = new Set([8000, 16000, 24000, 44100, 48000]);

class DeepgramFakeServer implements DeepgramFake {
  readonly connections: FakeSessionBase[] = [];
  attempts = 0;
  handedOut = 0;
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
    this.handedOut = 0;
  }

  nextTranscript(): string {
    return this.nextSegment().text;
  }

  nextSegment(): FluxSegment {
    this.handedOut++;
    const list = this.script.utterances;
    if (list.length === 0) return { text: '', index: -1 };
    if (this.cursor >= list.length) {
      if (!this.script.loop) return { text: '', index: -1 };
      this.cursor = 0;
    }
    const index = this.cursor++;
    return { text: list[index]!, index };
  }

  dropConnections(mode: 'close' | 'destroy' = 'close'): void {
    for (const c of this.connections) c.drop(mode);
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
    if (url.pathname !== '/v1/listen' && url.pathname !== '/v2/listen')
      return reject(socket, 404, 'Not Found');
    if (req.headers.authorization !== `Token ${this.apiKey}`) return reject(socket, 401, 'Unauthorized');
    if (this.script.refuseStatus) return reject(socket, this.script.refuseStatus, 'Refused');
    const flux = url.pathname === '/v2/listen';
    if (!(flux ? validFluxQuery(url.searchParams) : validListenQuery(url.searchParams))) {
      return reject(socket, 400, 'Bad Request');
    }
    const accept = (): void => {
      if (socket.destroyed) return;
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, url.searchParams, flux));
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

  private onConnection(ws: WebSocket, query: URLSearchParams, flux: boolean): void {
    const n = this.connections.length;
    const script = (): DeepgramFakeScript => this.script;
    this.connections.push(
      flux
        ? new FakeFluxSession(n, ws, query, script, () => this.nextSegment())
        : new FakeListenSession(n, ws, query, script, () => this.nextTranscript()),
    );
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

function validListenQuery(q: URLSearchParams): boolean {
  const rate = Number(q.get('sample_rate'));
  return q.get('encoding') === 'linear16' && Number.isInteger(rate) && rate >= 8000;
}

/** Flux: a flux model, linear16 only, its sample rates, thresholds in their documented ranges. */
function validFluxQuery(q: URLSearchParams): boolean {
  const inRange = (name: string, lo: number, hi: number): boolean => {
    if (!q.has(name)) return true;
    const v = Number(q.get(name));
    return Number.isFinite(v) && v >= lo && v <= hi;
  };
  return (
    (q.get('model') ?? '').startsWith('flux-') &&
    q.get('encoding') === 'linear16' &&
    FLUX_RATES.has(Number(q.get('sample_rate'))) &&
    inRange('eot_threshold', 0.5, 1) &&
    inRange('eager_eot_threshold', 0.3, 0.9) &&
    inRange('eot_timeout_ms', 500, 60_000)
  );
}

export async function startDeepgramFake(
  script: DeepgramFakeScript = { utterances: [] },
  options: DeepgramFakeOptions = {},
): Promise<DeepgramFake> {
  const fake = new DeepgramFakeServer(script, options.apiKey ?? 'test-deepgram-key');
  await fake.listen(options.host ?? '127.0.0.1', options.port ?? 0);
  return fake;
}
