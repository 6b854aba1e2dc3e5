/**
 * The media side of the fork protocol, as FreeSWITCH's mod_audio_fork does it, as a WebSocket client
 * to the agent: metadata first, then the caller's PCM as binary frames; agent PCM is buffered
 * (PlayoutBuffer) and pulled by the 20 ms pacer; killAudio, mark, clearMarks, transfer, disconnect
 * and json sendDtmf are honoured; notices go back as text frames. Nothing here can block the pacer:
 * sends are fire-and-forget and dropped while the socket is backed up.
 */
import WebSocket from 'ws';
import type { Clock, TimerHandle } from '../../../audio/clock.js';
import type { Pcm16 } from '../../../audio/pcm.js';
import { pcmFromBytes } from '../../../audio/pcm.js';
import { resample } from '../../../audio/resample.js';
import type { Logger } from '../../../log.js';
import {
  CloseCode,
  decodeCommand,
  encodeInbound,
  encodeMetadata,
  ForkProtocolError,
  type CallMetadata,
  type InboundMessage,
  type OutboundCommand,
} from '../../../fork/protocol.js';
import { PlayoutBuffer, type MarkEvent } from './playout-buffer.js';

export const FORK_CLIENT_SUBPROTOCOL = 'audio.drachtio.org';

export interface ForkTarget {
  /** ws:// or wss:// URL of the agent's fork endpoint (e.g. ws://127.0.0.1:8080/fork). */
  url: string;
  username?: string;
  password?: string;
  /** Sent as ?token= when given. */
  token?: string;
}

export interface ForkLinkEvents {
  onTransfer(target: string): void;
  onHangupRequested(reason: string): void;
  /** The agent asked for DTMF to the caller ({type:'json', data:{action:'sendDtmf', digits}}). */
  onSendDtmf(digits: string): void;
  /** Every command received, after it was applied (tests and logs). */
  onCommand?(cmd: OutboundCommand): void;
  /** A mark was reported to the agent. */
  onMark?(name: string, event: MarkEvent): void;
  /** Agent audio arrived (samples at callRate, after resampling). */
  onAgentAudio?(samples: number): void;
  /** The socket closed, whoever closed it. */
  onClosed?(code: number, reason: string): void;
}

export interface ForkLinkOptions extends ForkTarget {
  metadata: Omit<CallMetadata, 'extra'> & { extra?: Record<string, unknown> };
  /** Rate of the audio the call plays and hears (8000 for G.711). */
  callRate: number;
  clock: Clock;
  log: Logger;
  events: ForkLinkEvents;
  connectTimeoutMs?: number;
  /** Cap on buffered agent audio (default 60 s). */
  maxBufferedMs?: number;
  /** Above this many unsent bytes, caller frames are dropped instead of queued (default 64 KiB). */
  maxSendBacklogBytes?: number;
}

export class ForkConnectError extends Error {
  readonly code = 'fork_connect_failed';
  constructor(message: string) {
    super(message);
    this.name = 'ForkConnectError';
  }
}

function forkUrl(t: ForkTarget): string {
  if (!t.token) return t.url;
  const u = new URL(t.url);
  u.searchParams.set('token', t.token);
  return u.toString();
}

export class ForkLink {
  readonly playout: PlayoutBuffer;
  private ws: WebSocket | undefined;
  private carry: number | undefined;
  private hangupRaised = false;
  private pendingHangup: string | undefined;
  private drainTimer: TimerHandle | undefined;
  private closing = false;
  droppedFrames = 0;
  framesSent = 0;
  /** Empty caller frames refused: on the fork an empty binary frame means "shut down" (protocol.ts). */
  emptyFramesRefused = 0;

  constructor(private readonly opts: ForkLinkOptions) {
    this.playout = new PlayoutBuffer({
      sampleRate: opts.callRate,
      maxMs: opts.maxBufferedMs,
      onMark: (name, event) => {
        this.notify({ type: 'mark', name, event });
        opts.events.onMark?.(name, event);
      },
    });
  }

  get isOpen(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /** Open the socket and send the metadata; rejects with ForkConnectError (refused, 401, timeout). */
  connect(): Promise<void> {
    const o = this.opts;
    const headers: Record<string, string> = {};
    if (o.username !== undefined && o.password !== undefined) {
      headers.authorization = `Basic ${Buffer.from(`${o.username}:${o.password}`).toString('base64')}`;
    }
    const ws = new WebSocket(forkUrl(o), [FORK_CLIENT_SUBPROTOCOL], {
      headers,
      perMessageDeflate: false,
      handshakeTimeout: o.connectTimeoutMs ?? 5000,
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
        ws.send(encodeMetadata(o.metadata));
        ws.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary));
        ws.on('close', (code, reason) => this.onClose(code, reason.toString()));
        ws.on('error', (err) => o.log.warn({ err: err.message }, 'fork socket error'));
        resolve();
      });
    });
  }

  /**
   * Caller audio at callRate; resampled to the metadata's sampleRate. Dropped while backed up. Never
   * sends an empty frame: mod_audio_fork's zero-length frame asks the agent to end the call, and only
   * close() may do that, never something a caller (or a stranger's packet) put on the wire.
   */
  sendAudio(pcm: Pcm16): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN || this.closing) return;
    if (ws.bufferedAmount > (this.opts.maxSendBacklogBytes ?? 65_536)) {
      this.droppedFrames++;
      return;
    }
    const out = pcm.length === 0 ? pcm : resample(pcm, this.opts.callRate, this.opts.metadata.sampleRate);
    if (out.length === 0) {
      this.emptyFramesRefused++;
      return;
    }
    ws.send(Buffer.from(out.buffer, out.byteOffset, out.byteLength), { binary: true });
    this.framesSent++;
  }

  /** The next `samples` of agent audio for the caller, or undefined when the agent is silent. */
  pull(samples: number): Pcm16 | undefined {
    const pcm = this.playout.pull(samples);
    if (this.pendingHangup !== undefined && this.playout.bufferedSamples === 0) this.fireHangup();
    return pcm;
  }

  /** DTMF, transfer outcome, hangup notice → agent. */
  notify(msg: InboundMessage): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(encodeInbound(msg));
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (isBinary) {
      this.onAgentAudio(data);
      return;
    }
    let cmd: OutboundCommand;
    try {
      cmd = decodeCommand(data.toString('utf8'));
    } catch (err) {
      // The module logs and ignores messages it does not understand; so do we.
      if (err instanceof ForkProtocolError)
        this.opts.log.debug({ reason: err.message }, 'fork: ignored text frame');
      return;
    }
    this.apply(cmd);
    this.opts.events.onCommand?.(cmd);
  }

  private apply(cmd: OutboundCommand): void {
    switch (cmd.type) {
      case 'killAudio':
        this.carry = undefined;
        this.playout.kill();
        return;
      case 'mark':
        this.playout.mark(cmd.name);
        return;
      case 'clearMarks':
        this.playout.clearMarks();
        return;
      case 'transfer':
        this.opts.events.onTransfer(cmd.target);
        return;
      case 'disconnect':
        this.raiseHangup(cmd.reason ?? 'agent_disconnect');
        return;
      case 'json':
        if (cmd.data.action === 'sendDtmf' && typeof cmd.data.digits === 'string') {
          this.opts.events.onSendDtmf(cmd.data.digits);
        }
        return;
    }
  }

  /** Binary PCM at playbackSampleRate, any size; an odd byte carries over to the next frame. */
  private onAgentAudio(data: Buffer): void {
    let bytes: Buffer = data;
    if (this.carry !== undefined) {
      bytes = Buffer.concat([Buffer.of(this.carry), data]);
      this.carry = undefined;
    }
    if (bytes.length % 2 === 1) {
      this.carry = bytes[bytes.length - 1];
      bytes = bytes.subarray(0, bytes.length - 1);
    }
    if (bytes.length === 0) return;
    const pcm = resample(pcmFromBytes(bytes), this.opts.metadata.playbackSampleRate, this.opts.callRate);
    this.playout.push(pcm.buffer === bytes.buffer ? pcm.slice() : pcm);
    this.opts.events.onAgentAudio?.(pcm.length);
  }

  /**
   * The agent's goodbye is usually still queued when it disconnects: raise the hangup once the
   * queue has played out (bounded: at most 10 s plus a margin, in case nothing pulls).
   */
  private raiseHangup(reason: string): void {
    if (this.hangupRaised || this.closing || this.pendingHangup !== undefined) return;
    this.pendingHangup = reason;
    if (this.playout.bufferedSamples === 0) {
      this.fireHangup();
      return;
    }
    const waitMs = Math.min(this.playout.bufferedMs, 10_000) + 500;
    this.drainTimer = this.opts.clock.setTimeout(() => this.fireHangup(), waitMs);
  }

  private fireHangup(): void {
    const reason = this.pendingHangup;
    if (reason === undefined || this.hangupRaised) return;
    this.hangupRaised = true;
    this.pendingHangup = undefined;
    if (this.drainTimer) this.opts.clock.clearTimeout(this.drainTimer);
    if (!this.closing) this.opts.events.onHangupRequested(reason);
  }

  private onClose(code: number, reason: string): void {
    this.opts.log.info({ code, reason }, 'fork closed');
    this.opts.events.onClosed?.(code, reason);
    if (!this.closing) this.raiseHangup('fork_closed');
  }

  /** At hangup: close with 1000 (idempotent). Buffered agent audio is dropped. */
  close(code: number = CloseCode.normal, reason = ''): void {
    if (this.closing) return;
    this.closing = true;
    if (this.drainTimer) this.opts.clock.clearTimeout(this.drainTimer);
    const ws = this.ws;
    if (!ws) return;
    if (ws.readyState === WebSocket.OPEN) ws.close(code, reason.slice(0, 120));
    else if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
  }
}
