import { describe, expect, it } from 'vitest';
import { ManualClock } from '../time/clock.js';
import { PlayoutClock } from './playout-clock.js';

describe('PlayoutClock', () => {
  it('clocks out audio sent ahead of real time at real-time rate', () => {
    const clock = new ManualClock();
    const p = new PlayoutClock(8000, clock);
    p.sent(8000); // one second sent at once
    expect(p.heardMs()).toBe(0);
    expect(p.isPlaying()).toBe(true);
    clock.advance(250);
    expect(p.heardMs()).toBe(250);
    clock.advance(1000);
    expect(p.heardMs()).toBe(1000);
    expect(p.isPlaying()).toBe(false);
  });

  it('queues audio behind what is still playing, and restarts after a gap', () => {
    const clock = new ManualClock();
    const p = new PlayoutClock(16000, clock);
    p.sent(1600); // 100 ms
    clock.advance(50);
    p.sent(1600); // queued behind: ends at 200 ms
    expect(p.remainingMs()).toBe(150);
    clock.advance(500); // drained at 200; silence after
    p.sent(1600);
    expect(p.remainingMs()).toBe(100);
    expect(p.heardMs()).toBe(200);
  });

  it('includes the media side start latency', () => {
    const clock = new ManualClock();
    const p = new PlayoutClock(8000, clock, 14);
    p.sent(800);
    clock.advance(14);
    expect(p.heardMs()).toBe(0);
    clock.advance(50);
    expect(p.heardMs()).toBe(50);
  });

  it('keeps only what was heard when playback is flushed (barge-in)', () => {
    const clock = new ManualClock();
    const p = new PlayoutClock(8000, clock);
    p.sent(16000); // 2 s
    clock.advance(700);
    expect(p.flush()).toBe(5600);
    expect(p.heardMs()).toBe(700);
    expect(p.isPlaying()).toBe(false);
    clock.advance(1000);
    expect(p.heardMs()).toBe(700);
    p.reset();
    expect(p.sentMs()).toBe(0);
  });
});
