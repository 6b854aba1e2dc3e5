import { describe, expect, it } from 'vitest';
import { createPortAllocator, PortBudgetExceededError, PortsExhaustedError } from './port-allocator.js';

describe('createPortAllocator', () => {
  it('hands out even ports round-robin and throws when the range is spent', () => {
    const a = createPortAllocator({ min: 30000, max: 30005 });
    expect([a.allocate(), a.allocate(), a.allocate()]).toEqual([30000, 30002, 30004]);
    expect(() => a.allocate()).toThrow(PortsExhaustedError);
    a.release(30002);
    expect(a.allocate()).toBe(30002);
  });

  it('one source cannot hold more than its budget; others still get ports, and releases refill it', () => {
    const a = createPortAllocator({ min: 30000, max: 30099 }, Date.now, 60_000, 3);
    const attacker = [a.allocate('198.18.0.2'), a.allocate('198.18.0.2'), a.allocate('198.18.0.2')];
    expect(() => a.allocate('198.18.0.2')).toThrow(PortBudgetExceededError);
    expect(a.heldBy('198.18.0.2')).toBe(3);
    expect(a.allocate('192.0.2.5')).toBeGreaterThan(0);
    a.release(attacker[0]!);
    expect(a.heldBy('198.18.0.2')).toBe(2);
    expect(a.allocate('198.18.0.2')).toBeGreaterThan(0);
    a.markBusy(attacker[1]!);
    expect(a.heldBy('198.18.0.2')).toBe(2);
    expect(a.inUse).toBe(3);
  });
});
