/**
 * The FreeSWITCH media servers: connect to each (drachtio-fsmrf), reconnect with back-off when one
 * goes away, and offer the least loaded first for each new call. Calls on other servers are untouched.
 *
 * A server is down from the first call it refuses, not only when its event socket closes: FreeSWITCH
 * keeps ESL open for the 15–20 s of its SIGTERM drain while refusing every new channel (research §9).
 * A refused server is reconnected on the usual back-off, and the back-off is only reset once it has
 * taken a call again, so a draining server is not offered to every caller between retries.
 */
import type { Clock } from '../../time/clock.js';
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
  /** Refused a call since it last took one: reconnects keep backing off. */
  refusing: boolean;
  /** Why it is down, for /readyz. */
  reason?: string;
}

export interface MediaServerStatus {
  address: string;
  state: MediaServerState;
  calls: number;
  maxSessions: number;
  currentSessions: number;
  /** Why it is down (connect error, lost connection, refused a call). */
  reason?: string;
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
        refusing: false,
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
      delete slot.reason;
      if (!slot.refusing) slot.retry.reset();
      server.on('end', () => this.lost(slot, server, 'connection ended'));
      server.on('error', (err) => this.lost(slot, server, err.message));
      this.log.info({ mediaServer: where }, 'media server connected');
    } catch (err) {
      slot.state = 'down';
      slot.reason = (err as Error).message;
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
    slot.reason = reason;
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
    return this.candidates()[0];
  }

  /** Every connected server, least loaded first (ties: the earliest listed): the order to try a call in. */
  candidates(): MediaServerLike[] {
    return this.slots
      .filter((s): s is Slot & { server: MediaServerLike } => s.state === 'up' && s.server !== undefined)
      .map((s, i) => ({ s, i, load: serverLoad(s.calls, s.server) }))
      .sort((a, b) => a.load - b.load || a.i - b.i)
      .map(({ s }) => s.server);
  }

  /** The server refused a call (a 5xx, a timeout, no answer): take it out until it reconnects. */
  refused(server: MediaServerLike, reason: string): void {
    const slot = this.slots.find((s) => s.server === server);
    if (!slot) return;
    slot.refusing = true;
    this.lost(slot, server, `refused a call: ${reason}`);
  }

  /** The server took a call: it is healthy again, so its reconnect back-off starts over. */
  tookCall(server: MediaServerLike): void {
    const slot = this.slots.find((s) => s.server === server);
    if (!slot || !slot.refusing) return;
    slot.refusing = false;
    slot.retry.reset();
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
      ...(s.reason !== undefined && s.state !== 'up' ? { reason: s.reason } : {}),
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
