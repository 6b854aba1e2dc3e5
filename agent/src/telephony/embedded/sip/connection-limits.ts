/**
 * Caps on TCP and WebSocket connections, shared by both listeners: how many one source address may
 * hold and how many there may be in all, and how many bytes may wait to be written to one source (a
 * peer that never reads would otherwise make us buffer without end) and to all. Counting only; the
 * listeners refuse or close.
 */

export interface ConnectionCaps {
  /** Open connections in all (default 1000). */
  maxConnections: number;
  /** Open connections from one source address (default 20). */
  maxPerSource: number;
  /** Bytes queued for writing to one source's connections before the writing one is closed (default 1 MiB). */
  maxQueuedPerSource: number;
  /** Bytes queued for writing to every connection together (default 32 MiB). */
  maxQueuedTotal: number;
}

export const DEFAULT_CONNECTION_CAPS: ConnectionCaps = {
  maxConnections: 1000,
  maxPerSource: 20,
  maxQueuedPerSource: 1 << 20,
  maxQueuedTotal: 32 << 20,
};

export type ConnectionRefusal = 'connections_total' | 'connections_per_source';

/** One open connection as the limiter sees it: where from, and how much waits to be written. */
export interface TrackedConnection {
  address: string;
  queuedBytes(): number;
}

export class ConnectionLimits {
  private readonly open = new Set<TrackedConnection>();
  private readonly bySource = new Map<string, Set<TrackedConnection>>();
  readonly caps: ConnectionCaps;

  constructor(caps: Partial<ConnectionCaps> = {}) {
    this.caps = { ...DEFAULT_CONNECTION_CAPS, ...caps };
  }

  get count(): number {
    return this.open.size;
  }

  /** May another connection from `address` be accepted? */
  refusal(address: string): ConnectionRefusal | undefined {
    if (this.open.size >= this.caps.maxConnections) return 'connections_total';
    if ((this.bySource.get(address)?.size ?? 0) >= this.caps.maxPerSource) return 'connections_per_source';
    return undefined;
  }

  add(c: TrackedConnection): void {
    this.open.add(c);
    let set = this.bySource.get(c.address);
    if (!set) this.bySource.set(c.address, (set = new Set()));
    set.add(c);
  }

  remove(c: TrackedConnection): void {
    this.open.delete(c);
    const set = this.bySource.get(c.address);
    set?.delete(c);
    if (set?.size === 0) this.bySource.delete(c.address);
  }

  /** After a write to `c`: is too much waiting, for its source or in all? */
  overQueued(c: TrackedConnection): 'queued_per_source' | 'queued_total' | undefined {
    if (c.queuedBytes() === 0) return undefined; // the usual case: the write went straight out
    let source = 0;
    for (const x of this.bySource.get(c.address) ?? []) source += x.queuedBytes();
    if (source > this.caps.maxQueuedPerSource) return 'queued_per_source';
    if (this.queuedBytes() > this.caps.maxQueuedTotal) return 'queued_total';
    return undefined;
  }

  /** Bytes waiting to be written on every connection. */
  queuedBytes(): number {
    let n = 0;
    for (const c of this.open) n += c.queuedBytes();
    return n;
  }
}
