/** One fork WebSocket = one call. Thin socket layer around the pure protocol codec. */
import type { WebSocket } from 'ws';
import { pcmFromBytes, type Pcm16 } from '../audio/pcm.js';
import type { CallChannel, CallHandler } from '../conversation/call-channel.js';
import { endReasonOf, type CallEndReason } from '../conversation/call-record.js';
import type { Logger } from '../log.js';
import { ForkKeepalive, type KeepaliveOptions } from './fork-keepalive.js';
import {
  checkAudioFrame,
  CloseCode,
  decodeInbound,
  decodeMetadata,
  encodeAudioOut,
  encodeCommand,
  ForkProtocolError,
  type OutboundCommand,
} from './protocol.js';
import type { CallMetadata } from '../conversation/call-channel.js';

export type CallFactory = (channel: CallChannel, log: Logger) => CallHandler;

type State = 'awaiting_metadata' | 'active' | 'closed';

class SocketChannel implements CallChannel {
  constructor(
    readonly metadata: CallMetadata,
    private readonly ws: WebSocket,
    private readonly onHangup: (reason: CallEndReason) => void,
  ) {}

  private command(cmd: OutboundCommand): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(encodeCommand(cmd));
  }

  sendAudio(pcm: Pcm16): void {
    if (this.ws.readyState === this.ws.OPEN && pcm.length > 0)
      this.ws.send(encodeAudioOut(pcm), { binary: true });
  }
  killAudio(): void {
    this.command({ type: 'killAudio' });
  }
  mark(name: string): void {
    this.command({ type: 'mark', name });
  }
  clearMarks(): void {
    this.command({ type: 'clearMarks' });
  }
  transfer(target: string): void {
    this.command({ type: 'transfer', target });
  }
  sendDtmf(digits: string): void {
    this.command({ type: 'json', data: { action: 'sendDtmf', digits } });
  }
  hangup(reason: CallEndReason): void {
    this.command({ type: 'disconnect', reason });
    this.onHangup(reason);
  }
}

export class ForkSession {
  private state: State = 'awaiting_metadata';
  private handler: CallHandler | undefined;
  private log: Logger;
  private readonly keepalive: ForkKeepalive | undefined;
  private settle!: () => void;
  callId: string | undefined;
  /** Resolves once the call has been told the fork ended and has closed (its record is written). */
  readonly ended = new Promise<void>((resolve) => (this.settle = resolve));

  constructor(
    private readonly ws: WebSocket,
    log: Logger,
    private readonly createCall: CallFactory,
    private readonly onClosed: (session: ForkSession) => void,
    keepalive?: KeepaliveOptions,
  ) {
    this.log = log;
    if (keepalive && keepalive.pingMs > 0) {
      this.keepalive = new ForkKeepalive(
        keepalive,
        () => ws.ping(),
        (silentMs) => this.onSilent(silentMs),
      );
      ws.on('pong', () => this.keepalive?.seen());
    }
    ws.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary));
    ws.on('close', (code, reason) =>
      // The media side closed: normally when the call ended there; otherwise it vanished.
      this.finish(code === CloseCode.normal ? 'caller_hangup' : 'media_lost', reason),
    );
    ws.on('error', (err) => this.log.warn({ err: err.message }, 'fork socket error'));
  }

  private onMessage(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    if (this.state === 'closed') return;
    this.keepalive?.seen();
    const bytes = Array.isArray(data)
      ? Buffer.concat(data)
      : Buffer.isBuffer(data)
        ? data
        : Buffer.from(data);
    try {
      if (this.state === 'awaiting_metadata') {
        if (isBinary) throw new ForkProtocolError(CloseCode.policyViolation, 'audio before metadata');
        this.start(decodeMetadata(bytes.toString('utf8')));
        return;
      }
      if (isBinary) {
        if (checkAudioFrame(bytes).kind === 'shutdown') {
          // Graceful shutdown: mod_audio_fork sends nothing more and never closes by itself (§8).
          this.log.info('fork graceful shutdown');
          this.closeSocket(CloseCode.normal, 'shutdown');
          this.finish('caller_hangup');
          return;
        }
        this.handler!.onAudio(pcmFromBytes(bytes));
        return;
      }
      const msg = decodeInbound(bytes.toString('utf8'));
      if (msg.type === 'hangup')
        this.handler!.onEvent({ type: 'hangup', reason: endReasonOf(msg.reason, 'caller_hangup') });
      else this.handler!.onEvent(msg);
    } catch (err) {
      if (err instanceof ForkProtocolError) {
        this.log.warn({ closeCode: err.closeCode, reason: err.message }, 'fork protocol error, closing');
        this.closeSocket(err.closeCode, err.message);
        this.finish('protocol_error');
        return;
      }
      this.log.error({ err }, 'fork session failed');
      this.closeSocket(CloseCode.internalError, 'internal error');
      this.finish('error');
    }
  }

  private start(meta: CallMetadata): void {
    this.callId = meta.callId;
    const parentLog = this.log;
    this.log = this.log.child({ callId: meta.callId });
    const channel = new SocketChannel(meta, this.ws, (reason) => {
      this.closeSocket(CloseCode.normal, reason.slice(0, 100));
      this.finish(reason);
    });
    // The call's own components add callId to their child loggers themselves.
    this.handler = this.createCall(channel, parentLog);
    this.state = 'active';
    this.log.info(
      { from: meta.from, to: meta.to, sampleRate: meta.sampleRate, source: meta.source },
      'fork started',
    );
  }

  /** Nothing from the media side for the keepalive's timeout: the peer is gone without a close. */
  private onSilent(silentMs: number): void {
    this.log.warn({ silentMs }, 'fork socket silent (no audio, no pong): ending the call');
    this.finish('fork_timeout');
    this.ws.terminate();
  }

  private closeSocket(code: number, reason: string): void {
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) {
      // Close reasons are limited to 123 bytes.
      this.ws.close(code, Buffer.from(reason).subarray(0, 120).toString());
    }
  }

  private finish(reason: CallEndReason, detail?: Buffer): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.keepalive?.stop();
    const handler = this.handler;
    this.handler = undefined;
    this.onClosed(this);
    if (!handler) return this.settle();
    this.log.info({ reason, detail: detail?.toString() || undefined }, 'fork ended');
    handler
      .close(reason)
      .catch((err: unknown) => this.log.error({ err }, 'closing call failed'))
      .finally(() => this.settle());
  }

  /** Server shutdown: tell the telephony side and stop. */
  shutdown(): void {
    this.closeSocket(CloseCode.goingAway, 'agent shutting down');
    this.finish('shutdown');
  }
}
