/**
 * How a ForkLink reaches the agent. WebSocketWire speaks mod_audio_fork over a socket (JSON text
 * frames, binary PCM) — for an agent in another process, as FreeSWITCH does. InProcessWire hands the
 * same protocol objects (CallMetadata, PCM arrays, commands and notices) to the agent's fork server in
 * this process by method calls: nothing encoded, nothing copied, no socket.
 */
import WebSocket from 'ws';
import { pcmFromBytes, type Pcm16 } from '../../../audio/pcm.js';
import type { LocalForkEndpoint, AgentSideOfFork } from '../../../fork/local-fork.js';
import {
  CloseCode,
  decodeCommand,
  encodeInbound,
  encodeMetadata,
  ForkProtocolError,
  type InboundMessage,
  type OutboundCommand,
} from '../../../fork/protocol.js';
import type { CallMetadata } from '../../../conversation/call-channel.js';
import type { Logger } from '../../../log.js';

export const FORK_CLIENT_SUBPROTOCOL = 'audio.drachtio.org';

/** The agent's fork endpoint over a WebSocket. */
export interface ForkTarget {
  /** ws:// or wss:// URL of the agent's fork endpoint (e.g. ws://127.0.0.1:8080/fork). */
  url: string;
  username?: string;
  password?: string;
  /** Sent as ?token= when given. */
  token?: string;
}

/** The agent's fork server in this process. */
export interface InProcessForkTarget {
  inProcess: LocalForkEndpoint;
}

export type ForkDestination = ForkTarget | InProcessForkTarget;

/** What the wire delivers to the link. */
export interface WireInbound {
  /** Agent audio at the metadata's playback rate. */
  agentAudio(pcm: Pcm16): void;
  command(cmd: OutboundCommand): void;
  closed(code: number, reason: string): void;
}

export interface ForkWire {
  readonly isOpen: boolean;
  /** Open and send the metadata; rejects with ForkConnectError. */
  open(metadata: CallMetadata, inbound: WireInbound): Promise<void>;
  /** Caller audio at the metadata's rate; false when dropped because the wire is backed up. */
  sendAudio(pcm: Pcm16): boolean;
  notify(msg: InboundMessage): void;
  close(code: number, reason: string): void;
}

export class ForkConnectError extends Error {
  readonly code = 'fork_connect_failed';
  constructor(message: string) {
    super(message);
    this.name = 'ForkConnectError';
  }
}

export function createWire(
  d: ForkDestination,
  o: { log: Logger; connectTimeoutMs?: number; maxSendBacklogBytes?: number },
): ForkWire {
  return 'inProcess' in d ? new InProcessWire(d.inProcess) : new WebSocketWire(d, o);
}

class InProcessWire implements ForkWire {
  private agent: AgentSideOfFork | undefined;
  private open_ = false;

  constructor(private readonly endpoint: LocalForkEndpoint) {}

  get isOpen(): boolean {
    return this.open_;
  }

  async open(metadata: CallMetadata, inbound: WireInbound): Promise<void> {
    // Yield first: starting a conversation is heavy (STT/TTS sessions, VAD, the record), and the SIP
    // datagrams read in the same poll must not wait behind it (a WebSocket handshake yields likewise).
    await new Promise((r) => setImmediate(r));
    this.open_ = true;
    try {
      this.agent = this.endpoint.openLocal(metadata, {
        agentAudio: (pcm) => inbound.agentAudio(pcm),
        command: (cmd) => inbound.command(cmd),
        closed: (code, reason) => {
          this.open_ = false;
          inbound.closed(code, reason);
        },
      });
    } catch (err) {
      this.open_ = false;
      throw new ForkConnectError((err as Error).message);
    }
  }

  sendAudio(pcm: Pcm16): boolean {
    if (this.open_) this.agent?.callerAudio(pcm);
    return true;
  }

  notify(msg: InboundMessage): void {
    if (this.open_) this.agent?.notify(msg);
  }

  close(code: number, reason: string): void {
    if (!this.open_) return;
    this.open_ = false;
    this.agent?.close(code, reason);
  }
}

class WebSocketWire implements ForkWire {
  private ws: WebSocket | undefined;
  /** An odd byte of agent audio carried to the next frame. */
  private carry: number | undefined;

  constructor(
    private readonly target: ForkTarget,
    private readonly o: { log: Logger; connectTimeoutMs?: number; maxSendBacklogBytes?: number },
  ) {}

  get isOpen(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  open(metadata: CallMetadata, inbound: WireInbound): Promise<void> {
    const t = this.target;
    const headers: Record<string, string> = {};
    if (t.username !== undefined && t.password !== undefined)
      headers.authorization = `Basic ${Buffer.from(`${t.username}:${t.password}`).toString('base64')}`;
    let url = t.url;
    if (t.token) {
      const u = new URL(t.url);
      u.searchParams.set('token', t.token);
      url = u.toString();
    }
    const ws = new WebSocket(url, [FORK_CLIENT_SUBPROTOCOL], {
      headers,
      perMessageDeflate: false,
      handshakeTimeout: this.o.connectTimeoutMs ?? 5000,
    });
    this.ws = ws;
    return new Promise((resolve, reject) => {
      const fail = (why: string) => {
        ws.removeAllListeners();
        ws.on('error', () => undefined);
        ws.terminate();
        reject(new ForkConnectError(why));
      };
      ws.once('unexpected-response', (_req, res) => fail(`fork server answered HTTP ${res.statusCode}`));
      ws.once('error', (err) => fail(err.message));
      ws.once('open', () => {
        ws.removeAllListeners();
        ws.send(encodeMetadata(metadata));
        ws.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary, inbound));
        ws.on('close', (code, reason) => inbound.closed(code, reason.toString()));
        ws.on('error', (err) => this.o.log.warn({ err: err.message }, 'fork socket error'));
        resolve();
      });
    });
  }

  sendAudio(pcm: Pcm16): boolean {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return true;
    if (ws.bufferedAmount > (this.o.maxSendBacklogBytes ?? 65_536)) return false;
    ws.send(Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength), { binary: true });
    return true;
  }

  notify(msg: InboundMessage): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(encodeInbound(msg));
  }

  close(code: number = CloseCode.normal, reason = ''): void {
    const ws = this.ws;
    if (!ws) return;
    if (ws.readyState === WebSocket.OPEN) ws.close(code, reason.slice(0, 120));
    else if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
  }

  private onMessage(data: Buffer, isBinary: boolean, inbound: WireInbound): void {
    if (isBinary) {
      const pcm = this.pcmOf(data);
      if (pcm) inbound.agentAudio(pcm);
      return;
    }
    let cmd: OutboundCommand;
    try {
      cmd = decodeCommand(data.toString('utf8'));
    } catch (err) {
      // The module logs and ignores messages it does not understand; so do we.
      if (err instanceof ForkProtocolError)
        this.o.log.debug({ reason: err.message }, 'fork: ignored text frame');
      return;
    }
    if (cmd.type === 'killAudio') this.carry = undefined;
    inbound.command(cmd);
  }

  /** Binary PCM, any size; an odd byte carries over to the next frame. Never a view of the frame: we keep it. */
  private pcmOf(data: Buffer): Pcm16 | undefined {
    let bytes: Buffer = data;
    if (this.carry !== undefined) {
      bytes = Buffer.concat([Buffer.of(this.carry), data]);
      this.carry = undefined;
    }
    if (bytes.length % 2 === 1) {
      this.carry = bytes[bytes.length - 1];
      bytes = bytes.subarray(0, bytes.length - 1);
    }
    if (bytes.length === 0) return undefined;
    const pcm = pcmFromBytes(bytes);
    return pcm.buffer === bytes.buffer ? pcm.slice() : pcm;
  }
}
