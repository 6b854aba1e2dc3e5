/**
 * The media side of the fork protocol, as FreeSWITCH's mod_audio_fork does it: metadata first, then
 * the caller's PCM; agent PCM is buffered (PlayoutBuffer) and pulled by the 20 ms pacer; killAudio,
 * mark, clearMarks, transfer, disconnect and json sendDtmf are honoured; notices go back. The wire
 * (fork-wire.ts) is a WebSocket to an agent elsewhere, or the agent in this process by method calls.
 * Nothing here can block the pacer: sends are fire-and-forget and dropped while a socket is backed up.
 */
import type { Clock, TimerHandle } from '../../../time/clock.js';
import type { Pcm16 } from '../../../audio/pcm.js';
import { resample } from '../../../audio/resample.js';
import type { Logger } from '../../../log.js';
import { CloseCode, type InboundMessage, type OutboundCommand } from '../../../fork/protocol.js';
import type { CallMetadata } from '../../../conversation/call-channel.js';
import { createWire, type ForkDestination, type ForkWire } from './fork-wire.js';
import { PlayoutBuffer, type MarkEvent } from './playout-buffer.js';

export {
  FORK_CLIENT_SUBPROTOCOL,
  ForkConnectError,
  type ForkDestination,
  type ForkTarget,
  type InProcessForkTarget,
} from './fork-wire.js';

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

interface ForkLinkCommon {
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

/** Where the link goes (a WebSocket URL, or the agent in this process) and what it carries. */
export type ForkLinkOptions = ForkLinkCommon & ForkDestination;

export class ForkLink {
  readonly playout: PlayoutBuffer;
  private readonly wire: ForkWire;
  private hangupRaised = false;
  private pendingHangup: string | undefined;
  private drainTimer: TimerHandle | undefined;
  private closing = false;
  droppedFrames = 0;
  framesSent = 0;
  /** Empty caller frames refused: on the fork an empty binary frame means "shut down" (protocol.ts). */
  emptyFramesRefused = 0;

  constructor(private readonly opts: ForkLinkOptions) {
    this.wire = createWire(opts, {
      log: opts.log,
      ...(opts.connectTimeoutMs !== undefined ? { connectTimeoutMs: opts.connectTimeoutMs } : {}),
      ...(opts.maxSendBacklogBytes !== undefined ? { maxSendBacklogBytes: opts.maxSendBacklogBytes } : {}),
    });
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
    return this.wire.isOpen;
  }

  /** Open the link and send the metadata; rejects with ForkConnectError (refused, 401, timeout). */
  connect(): Promise<void> {
    const { extra, ...meta } = this.opts.metadata;
    return this.wire.open(
      { ...meta, extra: extra ?? {} },
      {
        agentAudio: (pcm) => this.onAgentAudio(pcm),
        command: (cmd) => {
          this.apply(cmd);
          this.opts.events.onCommand?.(cmd);
        },
        closed: (code, reason) => this.onClose(code, reason),
      },
    );
  }

  /**
   * Caller audio at callRate; resampled to the metadata's sampleRate. Dropped while backed up. Never
   * sends an empty frame: mod_audio_fork's zero-length frame asks the agent to end the call, and only
   * close() may do that, never something a caller (or a stranger's packet) put on the wire.
   */
  sendAudio(pcm: Pcm16): void {
    if (!this.wire.isOpen || this.closing) return;
    const out = pcm.length === 0 ? pcm : resample(pcm, this.opts.callRate, this.opts.metadata.sampleRate);
    if (out.length === 0) {
      this.emptyFramesRefused++;
      return;
    }
    if (this.wire.sendAudio(out)) this.framesSent++;
    else this.droppedFrames++;
  }

  /** The next `samples` of agent audio for the caller, or undefined when the agent is silent. */
  pull(samples: number): Pcm16 | undefined {
    const pcm = this.playout.pull(samples);
    if (this.pendingHangup !== undefined && this.playout.bufferedSamples === 0) this.fireHangup();
    return pcm;
  }

  /** DTMF, transfer outcome, hangup notice → agent. */
  notify(msg: InboundMessage): void {
    this.wire.notify(msg);
  }

  private apply(cmd: OutboundCommand): void {
    switch (cmd.type) {
      case 'killAudio':
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

  /** Agent PCM at playbackSampleRate, any size, resampled to the call's rate and queued for the pacer. */
  private onAgentAudio(pcm: Pcm16): void {
    const out = resample(pcm, this.opts.metadata.playbackSampleRate, this.opts.callRate);
    this.playout.push(out);
    this.opts.events.onAgentAudio?.(out.length);
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
    // The agent went away: shutting down (1001), or closed the fork without a disconnect.
    if (!this.closing) this.raiseHangup(code === CloseCode.goingAway ? 'shutdown' : 'fork_closed');
  }

  /** At hangup: close with 1000 (idempotent). Buffered agent audio is dropped. */
  close(code: number = CloseCode.normal, reason = ''): void {
    if (this.closing) return;
    this.closing = true;
    if (this.drainTimer) this.opts.clock.clearTimeout(this.drainTimer);
    this.wire.close(code, reason);
  }
}
