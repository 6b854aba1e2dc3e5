import { describe, expect, it } from 'vitest';
import { ManualClock } from '../time/clock.js';
import { AuthLockout } from './auth-lockout.js';

function setup() {
  const clock = new ManualClock();
  const locks: string[] = [];
  const lockout = new AuthLockout({
    clock,
    maxFailures: 3,
    windowMs: 60_000,
    baseLockMs: 10_000,
    maxLockMs: 40_000,
    onLock: (k, ms) => locks.push(`${k.kind}:${k.id}:${ms}`),
  });
  return { clock, lockout, locks };
}

describe('AuthLockout (fail2ban-style)', () => {
  it('locks a source after maxFailures within the window, with a doubling back-off', () => {
    const { clock, lockout, locks } = setup();
    for (let i = 0; i < 3; i++) {
      expect(lockout.isLocked('198.18.0.2')).toBe(false);
      lockout.recordFailure('198.18.0.2');
    }
    expect(lockout.isLocked('198.18.0.2')).toBe(true);
    expect(lockout.isLocked('192.0.2.1')).toBe(false);
    clock.advance(10_000);
    expect(lockout.isLocked('198.18.0.2')).toBe(false);
    for (let i = 0; i < 3; i++) lockout.recordFailure('198.18.0.2');
    clock.advance(19_999);
    expect(lockout.isLocked('198.18.0.2')).toBe(true);
    clock.advance(1);
    for (let i = 0; i < 3; i++) lockout.recordFailure('198.18.0.2');
    for (let i = 0; i < 3; i++) {
      clock.advance(40_000);
      for (let j = 0; j < 3; j++) lockout.recordFailure('198.18.0.2');
    }
    expect(locks).toEqual([
      'source:198.18.0.2:10000',
      'source:198.18.0.2:20000',
      'source:198.18.0.2:40000',
      'source:198.18.0.2:40000',
      'source:198.18.0.2:40000',
      'source:198.18.0.2:40000',
    ]);
    expect(lockout.refused).toBe(2);
  });

  it('failures spread wider than the window do not lock', () => {
    const { clock, lockout } = setup();
    for (let i = 0; i < 10; i++) {
      lockout.recordFailure('198.18.0.2');
      clock.advance(30_001);
    }
    expect(lockout.isLocked('198.18.0.2')).toBe(false);
  });

  it('guessing one user from many addresses locks the user, but not from where the user logged in', () => {
    const { lockout } = setup();
    lockout.recordSuccess('192.0.2.50', 'alice');
    for (let i = 0; i < 3; i++) lockout.recordFailure(`198.18.0.${10 + i}`, 'alice');
    expect(lockout.isLocked('198.18.0.99', 'alice')).toBe(true);
    expect(lockout.isLocked('198.18.0.99', 'bob')).toBe(false);
    expect(lockout.isLocked('192.0.2.50', 'alice')).toBe(false);
  });

  it('a success clears the keys; memory stays bounded by maxKeys', () => {
    const clock = new ManualClock();
    const lockout = new AuthLockout({ clock, maxFailures: 2, maxKeys: 100 });
    lockout.recordFailure('198.18.0.2', 'alice');
    lockout.recordSuccess('198.18.0.2', 'alice');
    lockout.recordFailure('198.18.0.2', 'alice');
    expect(lockout.isLocked('198.18.0.2', 'alice')).toBe(false);
    for (let i = 0; i < 10_000; i++) {
      lockout.recordFailure(`10.${i >> 8}.${i & 255}.1`);
      lockout.recordFailure(`10.${i >> 8}.${i & 255}.1`);
    }
    expect(lockout.lockedCount()).toBeLessThanOrEqual(100);
  });
});
