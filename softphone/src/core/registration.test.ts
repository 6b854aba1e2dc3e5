import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';
import { REFRESH_FREQUENCY, Registration } from './registration.js';
import { flush, ManualTimer } from './testing/manual-timer.js';
import { FakeSipFactory, type FakeUserAgent } from './testing/sip-fakes.js';
import type { RegistrationState } from './types.js';

const backoff = { baseMs: 1000, maxMs: 8000, random: () => 1 };

async function setup(expiresSec = 60) {
  const factory = new FakeSipFactory();
  const timer = new ManualTimer();
  const ref: { reg?: Registration } = {};
  const ua = factory.createUserAgent(
    {
      uri: 'sip:100@pbx',
      wsUrl: 'ws://127.0.0.1:1',
      authUser: '100',
      password: 'x',
      iceServers: [],
      iceGatheringTimeoutMs: 500,
    },
    { onConnect: () => ref.reg?.onConnect(), onDisconnect: (e) => ref.reg?.onDisconnect(e) },
  ) as FakeUserAgent;
  const reg = new Registration({ accountId: 'a', ua, factory, timer, expiresSec, backoff });
  ref.reg = reg;
  const states: RegistrationState[] = [];
  reg.changes.on((s) => states.push(s.state));
  reg.start();
  await flush();
  return { factory, timer, ua, reg, states };
}

describe('Registration', () => {
  it('connects, registers with a refresh margin, and reports registered', async () => {
    const { factory, reg, states } = await setup();
    expect(factory.registerers).toHaveLength(1);
    expect(factory.lastRegisterer().options).toEqual({ expires: 60, refreshFrequency: REFRESH_FREQUENCY });
    factory.lastRegisterer().accept();
    expect(reg.state).toBe('registered');
    expect(states).toEqual(['connecting', 'registering', 'registered']);
  });

  it('refreshes keep the binding; a refresh that never comes back re-registers at expiry', async () => {
    const { factory, timer, reg } = await setup(60);
    const first = factory.lastRegisterer();
    first.accept();
    await timer.advance(50_000);
    first.accept(); // sip.js refresh at 85 % came back 200
    await timer.advance(59_000);
    expect(reg.state).toBe('registered');
    expect(factory.registerers).toHaveLength(1);
    await timer.advance(1_500); // 60 s after the last 200 with no refresh
    expect(reg.state).toBe('retrying');
    expect(reg.status().error).toMatch(/expired/);
    expect(first.disposed).toBe(true);
    await timer.advance(500);
    expect(factory.registerers).toHaveLength(2);
    expect(reg.state).toBe('registering');
  });

  it('reconnects with exponential back-off after the transport drops, then resets the back-off', async () => {
    const { factory, timer, ua, reg } = await setup();
    factory.lastRegisterer().accept();
    ua.nextConnect = 'fail';
    ua.dropTransport();
    expect(reg.state).toBe('retrying');
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const before = timer.now();
      const retryAt = reg.status().retryAt!;
      delays.push(retryAt - before);
      await timer.advance(retryAt - before);
      expect(ua.reconnects).toBe(i + 1);
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000].map((_, i) => backoffDelay(i, backoff)));
    expect(delays).toEqual([1000, 2000, 4000, 8000]);
    ua.nextConnect = 'ok';
    await timer.advance(reg.status().retryAt! - timer.now());
    expect(reg.state).toBe('registering');
    factory.lastRegisterer().accept();
    expect(reg.status().attempt).toBe(0);
    ua.dropTransport();
    expect(reg.status().retryAt! - timer.now()).toBe(1000);
  });

  it('a rejected REGISTER is retried with back-off on a fresh Registerer', async () => {
    const { factory, timer, reg } = await setup();
    factory.lastRegisterer().reject(503);
    expect(reg.state).toBe('retrying');
    expect(reg.status().error).toBe('REGISTER rejected: 503');
    await timer.advance(1000);
    expect(factory.registerers).toHaveLength(2);
    expect(factory.registerers[0]!.disposed).toBe(true);
  });

  it('a wrong password (401 after the challenge) is retried once, then stops and says so', async () => {
    const { factory, timer, ua, reg, states } = await setup();
    factory.lastRegisterer().reject(401);
    expect(reg.state).toBe('retrying');
    await timer.advance(1000);
    factory.lastRegisterer().reject(401);
    expect(reg.state).toBe('failed');
    expect(reg.status()).toMatchObject({
      failure: 'wrong_password',
      error: 'wrong user name or password (401)',
    });
    expect(timer.pending()).toBe(0);
    // Nothing brings the same credentials back: not a timer, not resume, not the transport.
    reg.resume();
    ua.dropTransport();
    await timer.advance(120_000);
    expect(factory.registerers).toHaveLength(2);
    expect(states.slice(-4)).toEqual(['registering', 'retrying', 'registering', 'failed']);
    await reg.stop();
    expect(reg.state).toBe('stopped');
  });

  it('a 403 between other failures does not count twice: only consecutive credential rejections stop', async () => {
    const { factory, timer, reg } = await setup();
    factory.lastRegisterer().reject(403);
    await timer.advance(1000);
    factory.lastRegisterer().reject(503);
    await timer.advance(2000);
    factory.lastRegisterer().reject(403);
    expect(reg.state).toBe('retrying');
    await timer.advance(4000);
    factory.lastRegisterer().accept();
    expect(reg.state).toBe('registered');
  });

  it('resume() skips the back-off and starts over immediately', async () => {
    const { factory, timer, ua, reg } = await setup();
    factory.lastRegisterer().accept();
    ua.nextConnect = 'fail';
    ua.dropTransport();
    await timer.advance(1000);
    await timer.advance(2000);
    expect(reg.status().retryAt! - timer.now()).toBe(4000);
    ua.nextConnect = 'ok';
    reg.resume();
    await flush();
    expect(ua.reconnects).toBe(3);
    expect(reg.state).toBe('registering');
    expect(timer.pending()).toBe(0);
  });

  it('resume() while still connected re-registers (sleep/wake with a surviving socket)', async () => {
    const { factory, reg } = await setup();
    factory.lastRegisterer().accept();
    reg.resume();
    expect(factory.registerers).toHaveLength(2);
    expect(factory.registerers[0]!.disposed).toBe(true);
    factory.lastRegisterer().accept();
    expect(reg.state).toBe('registered');
  });

  it('stop() unregisters and stays stopped when the transport then drops', async () => {
    const { factory, timer, ua, reg, states } = await setup();
    const r = factory.lastRegisterer();
    r.accept();
    await reg.stop();
    expect(r.unregistered).toBe(true);
    ua.dropTransport();
    await timer.advance(10_000);
    expect(reg.state).toBe('stopped');
    expect(states.slice(-2)).toEqual(['unregistering', 'stopped']);
  });
});
