/**
 * RTP port allocation from a configured range: even ports only (RTP on even, RTCP would be odd),
 * round-robin so a port just released is not reused at once (late packets of the old call), and
 * ports found busy at bind time are skipped for a while.
 */

export class PortsExhaustedError extends Error {
  readonly code = 'rtp_ports_exhausted';
  constructor(min: number, max: number) {
    super(`no free RTP port in ${min}-${max}`);
    this.name = 'PortsExhaustedError';
  }
}

export interface PortRange {
  min: number;
  max: number;
}

export interface PortAllocator {
  /** Reserve a free even port; throws PortsExhaustedError. */
  allocate(): number;
  release(port: number): void;
  /** The port could not be bound (another process holds it): keep it out of rotation. */
  markBusy(port: number): void;
  readonly inUse: number;
  readonly capacity: number;
}

export function createPortAllocator(
  range: PortRange,
  now: () => number = Date.now,
  busyHoldMs = 60_000,
): PortAllocator {
  const first = range.min % 2 === 0 ? range.min : range.min + 1;
  if (first > range.max || range.max > 65535 || first < 1024) {
    throw new RangeError(`bad RTP port range ${range.min}-${range.max}`);
  }
  const capacity = Math.floor((range.max - first) / 2) + 1;
  const used = new Set<number>();
  const busyUntil = new Map<number, number>();
  let cursor = 0;
  return {
    allocate() {
      for (let i = 0; i < capacity; i++) {
        const port = first + ((cursor + i) % capacity) * 2;
        if (used.has(port)) continue;
        const busy = busyUntil.get(port);
        if (busy !== undefined && busy > now()) continue;
        busyUntil.delete(port);
        used.add(port);
        cursor = (cursor + i + 1) % capacity;
        return port;
      }
      throw new PortsExhaustedError(range.min, range.max);
    },
    release(port) {
      used.delete(port);
    },
    markBusy(port) {
      used.delete(port);
      busyUntil.set(port, now() + busyHoldMs);
    },
    get inUse() {
      return used.size;
    },
    capacity,
  };
}
