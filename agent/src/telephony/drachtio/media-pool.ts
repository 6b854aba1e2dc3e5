/**
 * The FreeSWITCH media servers: connect to each (drachtio-fsmrf), reconnect with back-off when one
 * goes away, and pick the least loaded for each new call. Calls on other servers are untouched.
 */
import type { Clock } from '../../audio/clock.js';
import type { Logger } from '../../log.js';
import { RetryTimer, type BackoffOptions, DEFAULT_BACKOFF } from './backoff.js';
import type { MediaServerLike, MediaServerSpec, MrfLike } from './types.js';

export type MediaServerState = 'connecting' | 'up' | 'down' | 'stopped';

interface Slot {
  spec: MediaServerSpec;
  state: MediaServerState;
  server: MediaServerLike | undefined;
  /** Calls this process placed on the server and has not released. */
  calls: number;
  retry: RetryTimer;
}

export interface MediaServerStatus {
  address: string;
  state: MediaServerState;
  calls: number;
  maxSessions: number;
  currentSessions: number;
}

/** Load as a fraction of capacity when FreeSWITCH has told us its capacity, else the raw call count. */
export function serverLoad(
  calls: number,
  server: Pick<MediaServerLike, 'maxSessions' | 'currentSessions'>,
): number {
  const busy = Math.max(calls, Number.isFinite(server.currentSessions) ? server.currentSessions : 0);
  return server.maxSessions > 0 ? busy / server.maxSessions : busy;
}

export class MediaServerPool {
  private readonly slots: Slot[];
  private stopped = false;

  constructor(
    private readonly mrf: MrfLike,
    specs: MediaServerSpec[],
    private readonly clock: Clock,
    private readonly log: Logger,
    backoff: BackoffOptions = DEFAULT_BACKOFF,
  ) {
    this.slots = specs.map((spec) => {
      const slot: Slot = {
        spec,
        state: 'connecting',
        server: undefined,
        calls: 0,
        retry: undefined as never,
      };
      slot.retry = new RetryTimer(clock, () => void this.connect(slot), backoff);
      return slot;
    });
  }

  start(): void {
    for (const slot of this.slots) void this.connect(slot);
  }

  private async connect(slot: Slot): Promise<void> {
    if (this.stopped) return;
    slot.state = 'connecting';
    const where = `${slot.spec.host}:${slot.spec.port}`;
    try {
      const server = await this.mrf.connect(slot.spec);
      if (this.stopped) return server.disconnect();
      slot.server = server;
      slot.state = 'up';
      slot.calls = 0;
      slot.retry.reset();
      server.on('end', () => this.lost(slot, server, 'connection ended'));
      server.on('error', (err) => this.lost(slot, server, err.message));
      this.log.info({ mediaServer: where }, 'media server connected');
    } catch (err) {
      slot.state = 'down';
      const delay = slot.retry.schedule();
      this.log.warn(
        { mediaServer: where, err: (err as Error).message, retryInMs: delay },
        'media server connect failed',
      );
    }
  }

  private lost(slot: Slot, server: MediaServerLike, reason: string): void {
    if (slot.server !== server || this.stopped) return;
    slot.server = undefined;
    slot.state = 'down';
    try {
      server.disconnect();
    } catch {
      // already gone
    }
    const delay = slot.retry.schedule();
    this.log.warn(
      { mediaServer: `${slot.spec.host}:${slot.spec.port}`, reason, retryInMs: delay },
      'media server lost',
    );
  }

  /** The least loaded connected server, or undefined when none is up. Ties go to the earliest listed. */
  pick(): MediaServerLike | undefined {
    let best: Slot | undefined;
    let bestLoad = Infinity;
    for (const slot of this.slots) {
      if (slot.state !== 'up' || !slot.server) continue;
      const load = serverLoad(slot.calls, slot.server);
      if (load < bestLoad) {
        best = slot;
        bestLoad = load;
      }
    }
    return best?.server;
  }

  /** Count a call on a server until the returned release function is called (idempotent). */
  acquire(server: MediaServerLike): () => void {
    const slot = this.slots.find((s) => s.server === server);
    if (!slot) return () => {};
    slot.calls++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (slot.server === server) slot.calls = Math.max(0, slot.calls - 1);
    };
  }

  status(): MediaServerStatus[] {
    return this.slots.map((s) => ({
      address: `${s.spec.host}:${s.spec.port}`,
      state: s.state,
      calls: s.calls,
      maxSessions: s.server?.maxSessions ?? 0,
      currentSessions: s.server?.currentSessions ?? 0,
    }));
  }

  get upCount(): number {
    return this.slots.filter((s) => s.state === 'up').length;
  }

  stop(): void {
    this.stopped = true;
    for (const slot of this.slots) {
      slot.retry.stop();
      slot.state = 'stopped';
      try {
        slot.server?.disconnect();
      } catch {
        // ignore
      }
      slot.server = undefined;
    }
  }
}
