/**
 * Liveness of one fork socket: a WebSocket ping every `pingMs`, and the socket is dead when nothing
 * at all came from the media side (no audio, no text, no pong) for `timeoutMs`. A half-open TCP
 * connection (the media box crashed, a NAT dropped the flow) otherwise holds the call — and its
 * provider streams — open forever. mod_audio_fork (libwebsockets) and `ws` answer pings by themselves.
 */
import type { Clock, TimerHandle } from '../time/clock.js';

export interface KeepaliveOptions {
  /** Ping this often (ms); 0 turns the keepalive off. */
  pingMs: number;
  /** Dead after this long without any frame from the peer (ms). */
  timeoutMs: number;
  clock: Clock;
}

export class ForkKeepalive {
  private lastSeen: number;
  private timer: TimerHandle | undefined;
  private stopped = false;

  constructor(
    private readonly o: KeepaliveOptions,
    private readonly ping: () => void,
    private readonly onDead: (silentMs: number) => void,
  ) {
    this.lastSeen = o.clock.now();
    if (o.pingMs > 0) this.schedule();
  }

  /** Anything arrived from the peer (a frame or a pong). */
  seen(): void {
    this.lastSeen = this.o.clock.now();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) this.o.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    const left = this.o.timeoutMs - (this.o.clock.now() - this.lastSeen);
    this.timer = this.o.clock.setTimeout(() => this.tick(), Math.max(1, Math.min(this.o.pingMs, left)));
  }

  private tick(): void {
    this.timer = undefined;
    if (this.stopped) return;
    const silentMs = this.o.clock.now() - this.lastSeen;
    if (silentMs >= this.o.timeoutMs) {
      this.stopped = true;
      this.onDead(silentMs);
      return;
    }
    this.ping();
    this.schedule();
  }
}
