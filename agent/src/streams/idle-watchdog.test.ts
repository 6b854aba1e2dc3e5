import { describe, expect, it } from 'vitest';
import { ManualClock } from '../time/clock.js';
import { IdleWatchdog } from './idle-watchdog.js';

function watch(timeoutMs = 1000) {
  const clock = new ManualClock();
  const fired: number[] = [];
  const dog = new IdleWatchdog({ clock, timeoutMs, onIdle: (ms) => fired.push(ms) });
  return { clock, fired, dog };
}

describe('IdleWatchdog', () => {
  it('does nothing until resumed, then fires once after the quiet time', () => {
    const { clock, fired, dog } = watch();
    clock.advance(5000);
    expect(fired).toEqual([]);
    dog.resume();
    clock.advance(999);
    expect(fired).toEqual([]);
    clock.advance(1);
    expect(fired).toEqual([1000]);
    clock.advance(5000);
    expect(fired).toEqual([1000]);
    expect(dog.running).toBe(false);
  });

  it('every touch pushes the deadline back: it fires timeoutMs after the last one', () => {
    const { clock, fired, dog } = watch();
    dog.resume();
    for (let i = 0; i < 50; i++) {
      clock.advance(200);
      dog.touch();
    }
    expect(fired).toEqual([]);
    clock.advance(999);
    expect(fired).toEqual([]);
    clock.advance(1);
    expect(fired).toEqual([1000]);
  });

  it('pause suspends it (hold); resume counts the quiet time afresh', () => {
    const { clock, fired, dog } = watch();
    dog.resume();
    clock.advance(900);
    dog.pause();
    clock.advance(60_000);
    expect(fired).toEqual([]);
    dog.resume();
    clock.advance(999);
    expect(fired).toEqual([]);
    clock.advance(1);
    expect(fired).toEqual([1000]);
  });

  it('stop is final and idempotent', () => {
    const { clock, fired, dog } = watch();
    dog.resume();
    dog.stop();
    dog.stop();
    dog.resume();
    clock.advance(10_000);
    expect(fired).toEqual([]);
  });

  it('refuses a timeout that is not positive', () => {
    const clock = new ManualClock();
    expect(() => new IdleWatchdog({ clock, timeoutMs: 0, onIdle: () => undefined })).toThrow(RangeError);
  });
});
