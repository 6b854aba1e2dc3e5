/**
 * The fork without a socket: when the embedded gateway runs inside the agent, a call's media half and
 * its conversation exchange the fork protocol's own objects — CallMetadata, PCM arrays, OutboundCommand
 * and InboundMessage — by plain method calls: no WebSocket, no JSON or binary re-encoding, no copy of
 * the audio. Session semantics match ForkSession (one CallHandler per call, hangup and shutdown, what
 * ends the call), so the conversation cannot tell the two apart.
 */
import type { Pcm16 } from '../audio/pcm.js';
import type { CallChannel, CallHandler } from '../conversation/call-channel.js';
import { endReasonOf, type CallEndReason } from '../conversation/call-record.js';
import type { Logger } from '../log.js';
import type { CallFactory } from './fork-session.js';
import { checkMetadata, CloseCode, type InboundMessage, type OutboundCommand } from './protocol.js';
import type { CallMetadata } from '../conversation/call-channel.js';

/** The media side of an in-process fork, as the agent side drives it. */
export interface MediaSideOfFork {
  /** Agent audio at metadata.playbackSampleRate. The array is handed over: the sender does not reuse it. */
  agentAudio(pcm: Pcm16): void;
  command(cmd: OutboundCommand): void;
  /** The agent side ended the link (1000 after the agent hung up, 1001 when the agent shuts down). */
  closed(code: number, reason: string): void;
}

/** The agent side of an in-process fork, as the media side drives it. */
export interface AgentSideOfFork {
  /** Caller audio at metadata.sampleRate (never empty: an empty frame means nothing in-process). */
  callerAudio(pcm: Pcm16): void;
  notify(msg: InboundMessage): void;
  /** The media side ended the link (1000: the call ended there). */
  close(code: number, reason: string): void;
}

/** Where the embedded gateway opens in-process forks: the agent's fork server. */
export interface LocalForkEndpoint {
  openLocal(metadata: CallMetadata, media: MediaSideOfFork): AgentSideOfFork;
}

class LocalChannel implements CallChannel {
  constructor(
    readonly metadata: CallMetadata,
    private readonly media: MediaSideOfFork,
    private readonly onHangup: (reason: CallEndReason) => void,
  ) {}

  sendAudio(pcm: Pcm16): void {
    if (pcm.length > 0) this.media.agentAudio(pcm);
  }
  killAudio(): void {
    this.media.command({ type: 'killAudio' });
  }
  mark(name: string): void {
    this.media.command({ type: 'mark', name });
  }
  clearMarks(): void {
    this.media.command({ type: 'clearMarks' });
  }
  transfer(target: string): void {
    this.media.command({ type: 'transfer', target });
  }
  sendDtmf(digits: string): void {
    this.media.command({ type: 'json', data: { action: 'sendDtmf', digits } });
  }
  hangup(reason: CallEndReason): void {
    this.media.command({ type: 'disconnect', reason });
    this.onHangup(reason);
  }
}

export class LocalForkSession implements AgentSideOfFork {
  private handler: CallHandler | undefined;
  private closed = false;
  private readonly log: Logger;
  readonly callId: string;

  constructor(
    metadata: CallMetadata,
    private readonly media: MediaSideOfFork,
    log: Logger,
    createCall: CallFactory,
    private readonly onClosed: (session: LocalForkSession) => void,
  ) {
    checkMetadata(metadata);
    this.callId = metadata.callId;
    this.log = log.child({ callId: metadata.callId });
    const channel = new LocalChannel(metadata, media, (reason) => {
      this.media.closed(CloseCode.normal, reason);
      this.finish(reason);
    });
    this.handler = createCall(channel, log);
    this.log.info(
      { from: metadata.from, to: metadata.to, sampleRate: metadata.sampleRate, source: metadata.source },
      'fork started (in-process)',
    );
  }

  get ended(): boolean {
    return this.closed;
  }

  private settle: () => void = () => undefined;
  /** Resolves once the call has been told the link ended and has closed (its record is written). */
  readonly done = new Promise<void>((resolve) => (this.settle = resolve));

  callerAudio(pcm: Pcm16): void {
    if (this.closed || pcm.length === 0) return;
    this.guard(() => this.handler?.onAudio(pcm));
  }

  notify(msg: InboundMessage): void {
    if (this.closed) return;
    this.guard(() =>
      this.handler?.onEvent(
        msg.type === 'hangup' ? { type: 'hangup', reason: endReasonOf(msg.reason, 'caller_hangup') } : msg,
      ),
    );
  }

  close(code: number, reason: string): void {
    this.finish(code === CloseCode.normal ? 'caller_hangup' : 'media_lost', reason);
  }

  /** Server shutdown: tell the media side and stop. */
  shutdown(): void {
    if (this.closed) return;
    this.media.closed(CloseCode.goingAway, 'agent shutting down');
    this.finish('shutdown');
  }

  /** The media side calls in on its own hot path (RTP, the pacer): a failing handler must not break it. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error({ err }, 'fork session failed');
      this.media.closed(CloseCode.internalError, 'internal error');
      this.finish('error');
    }
  }

  private finish(reason: CallEndReason, detail?: string): void {
    if (this.closed) return;
    this.closed = true;
    const handler = this.handler;
    this.handler = undefined;
    this.onClosed(this);
    if (!handler) return this.settle();
    this.log.info({ reason, detail: detail || undefined }, 'fork ended');
    handler
      .close(reason)
      .catch((err: unknown) => this.log.error({ err }, 'closing call failed'))
      .finally(() => this.settle());
  }
}
