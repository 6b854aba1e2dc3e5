/**
 * RTP port allocation from a configured range: even ports only (RTP on even, RTCP would be odd),
 * round-robin so a port just released is not reused at once (late packets of the old call), and
 * ports found busy at bind time are skipped for a while. An owner (the caller's source address) may
 * hold at most `maxPerOwner` ports, so one source cannot take the whole range (un-ACKed INVITEs).
 */

export class PortsExhaustedError extends Error {
  readonly code: 'rtp_ports_exhausted' | 'rtp_port_budget' = 'rtp_ports_exhausted';
  constructor(min: number, max: number) {
    super(`no free RTP port in ${min}-${max}`);
    this.name = 'PortsExhaustedError';
  }
}

/** This owner already holds its share of the range. */
export class PortBudgetExceededError extends PortsExhaustedError {
  override readonly code = 'rtp_port_budget';
  constructor(limit: number) {
    super(0, 0);
    this.message = `this source already holds its ${limit} RTP ports`;
    this.name = 'PortBudgetExceededError';
  }
}

export interface PortRange {
  min: number;
  max: number;
}

export interface PortAllocator {
  /** Reserve a free even port for `owner`; throws PortsExhaustedError (or PortBudgetExceededError). */
  allocate(owner?: string): number;
  release(port: number): void;
  /** The port could not be bound (another process holds it): keep it out of rotation. */
  markBusy(port: number): void;
  readonly inUse: number;
  readonly capacity: number;
  /** Ports `owner` holds now. */
  heldBy(owner: string): number;
}

export function createPortAllocator(
  range: PortRange,
  now: () => number = Date.now,
  busyHoldMs = 60_000,
  maxPerOwner = Infinity,
): PortAllocator {
  const first = range.min % 2 === 0 ? range.min : range.min + 1;
  if (first > range.max || range.max > 65535 || first < 1024) {
    throw new RangeError(`bad RTP port range ${range.min}-${range.max}`);
  }
  const capacity = Math.floor((range.max - first) / 2) + 1;
  /** Port → its owner ('' when none was given). */
  const used = new Map<number, string>();
  const perOwner = new Map<string, number>();
  const busyUntil = new Map<number, number>();
  let cursor = 0;
  const free = (port: number): void => {
    const owner = used.get(port);
    if (owner === undefined) return;
    used.delete(port);
    const n = (perOwner.get(owner) ?? 1) - 1;
    if (n > 0) perOwner.set(owner, n);
    else perOwner.delete(owner);
  };
  return {
    allocate(owner = '') {
      if (owner !== '' && (perOwner.get(owner) ?? 0) >= maxPerOwner)
        throw new PortBudgetExceededError(maxPerOwner);
      for (let i = 0; i < capacity; i++) {
        const port = first + ((cursor + i) % capacity) * 2;
        if (used.has(port)) continue;
        const busy = busyUntil.get(port);
        if (busy !== undefined && busy > now()) continue;
        busyUntil.delete(port);
        used.set(port, owner);
        perOwner.set(owner, (perOwner.get(owner) ?? 0) + 1);
        cursor = (cursor + i + 1) % capacity;
        return port;
      }
      throw new PortsExhaustedError(range.min, range.max);
    },
    release(port) {
      free(port);
    },
    markBusy(port) {
      free(port);
      busyUntil.set(port, now() + busyHoldMs);
    },
    get inUse() {
      return used.size;
    },
    capacity,
    heldBy: (owner) => perOwner.get(owner) ?? 0,
  };
}
