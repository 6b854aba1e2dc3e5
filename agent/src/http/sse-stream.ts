/** A Server-Sent Events response on a raw Node response: messages, comment heartbeats, close. */
import type { ServerResponse } from 'node:http';
import type { Clock, TimerHandle } from '../time/clock.js';

export const SSE_HEARTBEAT_MS = 15_000;

export class SseStream {
  private heartbeat: TimerHandle | undefined;
  private closed = false;
  private resolveDone: () => void = () => {};
  /** Resolves when the client disconnects (or the stream is closed here). */
  readonly done: Promise<void>;

  constructor(
    private readonly res: ServerResponse,
    private readonly clock: Clock,
    private readonly heartbeatMs = SSE_HEARTBEAT_MS,
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no', // nginx: do not buffer the stream
      'x-content-type-options': 'nosniff',
    });
    res.flushHeaders();
    res.once('close', () => this.close());
    this.armHeartbeat();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** One `data:` message (JSON), with an optional `id:` for Last-Event-ID. Returns false when buffered. */
  send(data: unknown, id?: number): boolean {
    if (this.closed) return false;
    const idLine = id === undefined ? '' : `id: ${id}\n`;
    // JSON.stringify never emits a raw newline, so one data line is enough.
    return this.res.write(`${idLine}data: ${JSON.stringify(data)}\n\n`);
  }

  /** Waits until the socket drained what is buffered, or the stream closed. */
  drained(): Promise<void> {
    if (this.closed || !this.res.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const finish = () => {
        this.res.off('drain', finish);
        this.res.off('close', finish);
        resolve();
      };
      this.res.once('drain', finish);
      this.res.once('close', finish);
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.heartbeat) this.clock.clearTimeout(this.heartbeat);
    if (!this.res.writableEnded) this.res.end();
    this.resolveDone();
  }

  private armHeartbeat(): void {
    this.heartbeat = this.clock.setTimeout(() => {
      if (this.closed) return;
      this.res.write(': ping\n\n');
      this.armHeartbeat();
    }, this.heartbeatMs);
  }
}
