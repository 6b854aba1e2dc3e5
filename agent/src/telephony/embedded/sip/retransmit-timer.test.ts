/** The shared retransmit/give-up schedule (timers A/B and E/F) driven by a ManualClock. */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../time/clock.js';
import { SipHeaders } from './headers.js';
import { RetransmitTimer, timeoutResponse } from './retransmit-timer.js';
import { DEFAULT_TIMERS, nextInterval } from './timers.js';

function setup(reliable: boolean, next: (interval: number) => number | undefined) {
  const clock = new ManualClock();
  const ticks: Array<{ at: number; interval: number }> = [];
  const timeouts: number[] = [];
  const timer = new RetransmitTimer(
    { clock, timers: DEFAULT_TIMERS, reliable },
    (interval) => {
      ticks.push({ at: clock.now(), interval });
      return next(interval);
    },
    () => timeouts.push(clock.now()),
  );
  return { clock, ticks, timeouts, timer };
}

describe('RetransmitTimer', () => {
  it('first tick after T1, then at the intervals the caller returns; gives up at 64·T1', () => {
    const { clock, ticks, timeouts, timer } = setup(false, (i) => nextInterval(i, DEFAULT_TIMERS));
    timer.start();
    clock.advance(499);
    expect(ticks).toEqual([]);
    clock.advance(31_501);
    expect(ticks.map((t) => t.at)).toEqual([500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    expect(ticks.map((t) => t.interval).slice(0, 5)).toEqual([500, 1000, 2000, 4000, 4000]);
    expect(timeouts).toEqual([32_000]);
  });

  it('uncapped doubling (timer A) when the caller doubles without T2', () => {
    const { clock, ticks, timer } = setup(false, (i) => i * 2);
    timer.start();
    clock.advance(31_999);
    expect(ticks.map((t) => t.at)).toEqual([500, 1500, 3500, 7500, 15500, 31500]);
  });

  it('reliable transport: no retransmission, the give-up timer still fires at 64·T1', () => {
    const { clock, ticks, timeouts, timer } = setup(true, (i) => i * 2);
    timer.start();
    clock.advance(31_999);
    expect(timeouts).toEqual([]);
    clock.advance(1);
    expect(ticks).toEqual([]);
    expect(timeouts).toEqual([32_000]);
  });

  it('undefined from the caller stops retransmitting but not the give-up timer', () => {
    const { clock, ticks, timeouts, timer } = setup(false, () => undefined);
    timer.start();
    clock.advance(40_000);
    expect(ticks.map((t) => t.at)).toEqual([500]);
    expect(timeouts).toEqual([32_000]);
  });

  it('stop() disarms both timers and is idempotent', () => {
    const { clock, ticks, timeouts, timer } = setup(false, (i) => i * 2);
    timer.start();
    clock.advance(1_600);
    timer.stop();
    timer.stop();
    clock.advance(100_000);
    expect(ticks.map((t) => t.at)).toEqual([500, 1500]);
    expect(timeouts).toEqual([]);
  });
});

describe('timeoutResponse', () => {
  it('is a 408 carrying a copy of the request headers', () => {
    const headers = new SipHeaders([['CSeq', '7 OPTIONS']]);
    const res = timeoutResponse({ kind: 'request', method: 'OPTIONS', uri: 'sip:x', headers, body: '' });
    expect(res).toMatchObject({ kind: 'response', status: 408, reason: 'Request Timeout', body: '' });
    expect(res.headers.get('cseq')).toBe('7 OPTIONS');
    expect(res.headers).not.toBe(headers);
  });
});
