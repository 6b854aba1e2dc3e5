import { describe, expect, it } from 'vitest';
import type { TurnRecord } from '../conversation/call-record.js';
import { LiveEvents, type LiveEnvelope, type LiveSubscription } from './live-events.js';

const start = (bus: LiveEvents, callId: string) =>
  bus.callStarted({ callId, from: 'a', to: 'b', profile: 'default', source: 'test', startedAt: new Date(0) });

const turn = (callId: string, index: number): TurnRecord => ({
  callId,
  index,
  userText: 'u',
  agentText: 'a',
  interrupted: false,
  toolCalls: [],
  timings: {},
  startedAt: new Date(0),
  endedAt: new Date(1),
});

/** Collects a subscription to its end, bounded in time. */
async function drain(sub: LiveSubscription, ms = 2000): Promise<LiveEnvelope[]> {
  const out: LiveEnvelope[] = [];
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error('drain timed out')), ms),
  );
  await Promise.race([
    (async () => {
      for await (const e of sub) out.push(e);
    })(),
    timeout,
  ]);
  return out;
}

describe('LiveEvents', () => {
  it('delivers events of one call to its subscribers only, in order, and ends them when the call ends', async () => {
    let clock = 1000;
    const bus = new LiveEvents({ now: () => clock++ });
    start(bus, 'c1');
    start(bus, 'c2');
    const sub = bus.subscribe('c1')!;
    const other = bus.subscribe('c2')!;
    bus.live('c1', { type: 'state', state: 'listening' });
    bus.live('c2', { type: 'dtmf', digit: '5' });
    bus.live('c1', { type: 'transcript', role: 'user', text: 'hello', final: true });
    bus.callEnded({ callId: 'c1', endedAt: new Date(), reason: 'caller_hangup' });

    const got = await drain(sub);
    expect(got).toEqual([
      { seq: 1, at: 1000, event: { type: 'state', state: 'listening' } },
      { seq: 2, at: 1002, event: { type: 'transcript', role: 'user', text: 'hello', final: true } },
      { seq: 3, at: 1003, event: { type: 'state', state: 'ended' } },
    ]);
    expect(sub.endReason).toBe('call_ended');
    expect(bus.isActive('c1')).toBe(false);
    expect(bus.isActive('c2')).toBe(true);
    expect(other.endReason).toBeUndefined();
    bus.close();
    expect((await drain(other)).map((e) => e.event)).toEqual([{ type: 'dtmf', digit: '5' }]);
    expect(other.endReason).toBe('closed');
  });

  it('gives a late subscriber the last N events, or only those after afterSeq', async () => {
    const bus = new LiveEvents({ historySize: 3 });
    start(bus, 'c1');
    for (const digit of ['1', '2', '3', '4', '5']) bus.live('c1', { type: 'dtmf', digit });
    const late = bus.subscribe('c1')!;
    const resumed = bus.subscribe('c1', { afterSeq: 4 })!;
    bus.live('c1', { type: 'dtmf', digit: '6' });
    bus.callEnded({ callId: 'c1', endedAt: new Date(), reason: 'agent_hangup' });
    const digits = (es: LiveEnvelope[]) =>
      es.map((e) => (e.event.type === 'dtmf' ? e.event.digit : e.event.type));
    expect(digits(await drain(late))).toEqual(['3', '4', '5', '6', 'state']);
    expect(digits(await drain(resumed))).toEqual(['5', '6', 'state']);
  });

  it('sends each turn once whether it comes from turnCompleted, a live turn event, or both', async () => {
    const bus = new LiveEvents();
    start(bus, 'c1');
    const sub = bus.subscribe('c1')!;
    bus.turnCompleted(turn('c1', 0));
    bus.live('c1', { type: 'turn', turn: turn('c1', 0) });
    bus.live('c1', { type: 'turn', turn: turn('c1', 1) });
    bus.turnCompleted(turn('c1', 1));
    bus.live('c1', { type: 'state', state: 'ended' });
    bus.callEnded({ callId: 'c1', endedAt: new Date(), reason: 'caller_hangup' });
    const got = await drain(sub);
    expect(got.map((e) => (e.event.type === 'turn' ? e.event.turn.index : e.event.type))).toEqual([
      0,
      1,
      'state',
    ]);
  });

  it('returns no subscription for a call not in progress; drops events of unknown calls', () => {
    const bus = new LiveEvents();
    bus.live('ghost', { type: 'dtmf', digit: '1' });
    expect(bus.subscribe('ghost')).toBeUndefined();
    start(bus, 'c1');
    bus.callEnded({ callId: 'c1', endedAt: new Date(), reason: 'caller_hangup' });
    expect(bus.subscribe('c1')).toBeUndefined();
    expect(bus.activeCalls()).toEqual([]);
  });

  it('stops delivering to a subscriber that aborts or breaks out of its loop', async () => {
    const bus = new LiveEvents();
    start(bus, 'c1');
    const ac = new AbortController();
    const aborted = bus.subscribe('c1', { signal: ac.signal })!;
    const breaker = bus.subscribe('c1')!;
    bus.live('c1', { type: 'dtmf', digit: '1' });
    ac.abort();
    const seen: string[] = [];
    for await (const e of breaker) {
      if (e.event.type === 'dtmf') seen.push(e.event.digit);
      break;
    }
    bus.live('c1', { type: 'dtmf', digit: '2' });
    expect((await drain(aborted)).length).toBe(1);
    expect(aborted.endReason).toBe('unsubscribed');
    expect(breaker.endReason).toBe('unsubscribed');
    expect(seen).toEqual(['1']);
  });

  it('a slow subscriber loses the oldest events, never blocks the call', async () => {
    const bus = new LiveEvents({ queueLimit: 2 });
    start(bus, 'c1');
    const sub = bus.subscribe('c1')!;
    for (const digit of ['1', '2', '3', '4']) bus.live('c1', { type: 'dtmf', digit });
    bus.callEnded({ callId: 'c1', endedAt: new Date(), reason: 'caller_hangup' });
    expect((await drain(sub)).map((e) => e.seq)).toEqual([4, 5]);
    expect(sub.dropped).toBe(3);
  });
});
