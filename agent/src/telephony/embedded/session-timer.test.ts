import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../time/clock.js';
import { decideSessionTimer, SessionTimerWatch, sessionTimerHeaders } from './session-timer.js';
import { SipHeaders } from './sip/headers.js';

const headers = (...h: Array<[string, string]>) => new SipHeaders(h);

describe('session timers (RFC 4028) as the UAS', () => {
  it('below our Min-SE (90 s, or the larger Min-SE the request carries): 422 with it', () => {
    expect(decideSessionTimer(headers(['Session-Expires', '60'], ['Supported', 'timer']))).toEqual({
      kind: 'too-small',
      minSe: 90,
    });
    expect(decideSessionTimer(headers(['Session-Expires', '100'], ['Min-SE', '120']))).toEqual({
      kind: 'too-small',
      minSe: 120,
    });
  });

  it('the caller supports timers: it refreshes, and our 2xx says so with Require: timer', () => {
    const d = decideSessionTimer(headers(['x', '1800;refresher=uac'], ['Supported', 'timer, 100rel']));
    expect(d).toEqual({ kind: 'timed', seconds: 1800, refresher: 'uac' });
    expect(sessionTimerHeaders(d)).toEqual([
      ['Session-Expires', '1800;refresher=uac'],
      ['Require', 'timer'],
      ['Supported', 'timer'],
    ]);
  });

  it('no Session-Expires or no support from the caller: untimed', () => {
    expect(decideSessionTimer(headers(['Supported', 'timer']))).toEqual({ kind: 'untimed' });
    expect(decideSessionTimer(headers(['Session-Expires', '1800']))).toEqual({ kind: 'untimed' });
    expect(sessionTimerHeaders({ kind: 'untimed' })).toEqual([['Supported', 'timer']]);
  });

  it('refresher=uas, or the choice left to us: we refresh (uas)', () => {
    const asked = decideSessionTimer(
      headers(['Session-Expires', '1800;refresher=uas'], ['Supported', 'timer']),
    );
    expect(asked).toEqual({ kind: 'timed', seconds: 1800, refresher: 'uas' });
    expect(decideSessionTimer(headers(['Session-Expires', '90'], ['Supported', 'timer']))).toEqual({
      kind: 'timed',
      seconds: 90,
      refresher: 'uas',
    });
    expect(sessionTimerHeaders(asked)[0]).toEqual(['Session-Expires', '1800;refresher=uas']);
  });

  it('when we refresh: the refresh is due at SE/2, and a refresh that never succeeds still ends at the deadline', () => {
    const clock = new ManualClock();
    const due: number[] = [];
    let expired = 0;
    const watch = new SessionTimerWatch(
      clock,
      () => expired++,
      (d) => due.push(d.seconds),
    );
    watch.refreshed({ kind: 'timed', seconds: 90, refresher: 'uas' });
    clock.advance(44_999);
    expect(due).toEqual([]);
    clock.advance(1);
    expect(due).toEqual([90]);
    clock.advance(15_000); // no 2xx came: at 90 − 30 = 60 s the session ends
    expect(expired).toBe(1);
    watch.refreshed({ kind: 'timed', seconds: 120, refresher: 'uas' });
    watch.stop(); // the call ended: late answers re-arm nothing
    watch.refreshed({ kind: 'timed', seconds: 120, refresher: 'uas' });
    clock.advance(1_000_000);
    expect(due).toEqual([90]);
    expect(expired).toBe(1);
  });

  it('the watch fires at SE − min(32, SE/3) unless refreshed first', () => {
    const clock = new ManualClock();
    let expired = 0;
    const watch = new SessionTimerWatch(clock, () => expired++);
    watch.refreshed({ kind: 'timed', seconds: 90, refresher: 'uac' });
    clock.advance(59_000);
    watch.refreshed({ kind: 'timed', seconds: 1800, refresher: 'uac' }); // refreshed in time
    clock.advance(1_767_000);
    expect(expired).toBe(0);
    clock.advance(1000);
    expect(expired).toBe(1);
    watch.refreshed({ kind: 'untimed' });
    clock.advance(10_000_000);
    expect(expired).toBe(1);
  });
});
