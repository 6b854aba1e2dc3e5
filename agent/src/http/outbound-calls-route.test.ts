/**
 * POST/DELETE /api/calls over the real OutboundCalls and the embedded gateway (loopback SIP 15306,
 * a sipp callee on 15307; nothing listens on 15309): refusals name the field and place no call, a
 * flood of POSTs gets 429, an idempotency key returns the same call, DELETE cancels a ringing call
 * (CANCEL on the wire) and the record then says outbound / cancelled / hung up by the API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../time/clock.js';
import { trunkSchema } from '../config/profile-schema.js';
import { createLogger } from '../log.js';
import { OutboundCalls } from '../telephony/calls/outbound/outbound-calls.js';
import { outboundRoutes } from '../telephony/calls/outbound/outbound-policy.js';
import { startGateway, testProfiles, type Harness } from '../telephony/embedded/testing/gateway-harness.js';
import { runSipp, waitFor } from '../telephony/embedded/testing/sipp-runner.js';
import { makeServer } from '../testing/http-test-kit.js';

const TOKEN = 'outbound-api-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };
const GATEWAY_PORT = 15306;
const CALLEE_PORT = 15307;

const profiles = testProfiles({
  trunks: [
    trunkSchema.parse({
      name: 'ring',
      outbound: { uri: `sip:127.0.0.1:${CALLEE_PORT}`, allow: ['+1555'], callsPerSecond: 100 },
    }),
    trunkSchema.parse({
      name: 'void',
      outbound: { uri: 'sip:127.0.0.1:15309', allow: ['+1555'], maxConcurrent: 1, callsPerSecond: 100 },
    }),
    trunkSchema.parse({
      name: 'slow',
      outbound: { uri: 'sip:127.0.0.1:15309', allow: ['+44'], callsPerSecond: 1 },
    }),
  ],
});

let gw: Harness;
const clock = new ManualClock();

function server(o: { token?: boolean; apiRate?: { perSecond: number; burst: number } } = {}) {
  const ref: { calls?: OutboundCalls } = {};
  const s = makeServer({ ...(o.token === false ? {} : { apiToken: TOKEN }), outbound: () => ref.calls });
  const calls = (ref.calls = new OutboundCalls({
    routes: outboundRoutes(profiles),
    profile: (n) => profiles.profiles.find((p) => p.name === n),
    dialer: gw.gateway.dialer(),
    records: s.store,
    clock,
    log: createLogger('silent'),
    source: 'embedded',
    ...(o.apiRate ? { apiRate: o.apiRate } : {}),
  }));
  return { ...s, calls };
}

const post = (app: ReturnType<typeof server>['app'], payload: Record<string, unknown>, headers = auth) =>
  app.inject({ method: 'POST', url: '/api/calls', headers, payload });

const good = { to: '+15551234567', profile: 'receptionist', trunk: 'ring' };

beforeAll(async () => {
  gw = await startGateway({ port: GATEWAY_PORT, profiles });
});
afterAll(async () => {
  await gw.gateway.stop();
});

describe('POST /api/calls refusals', () => {
  it('without a configured API token placing calls is refused (403), and a wrong token is 401', async () => {
    const open = server({ token: false });
    const res = await post(open.app, good, {} as typeof auth);
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ error: 'api_token_required' });
    const s = server();
    expect((await post(s.app, good, { authorization: 'Bearer nope' })).statusCode).toBe(401);
  });

  it.each([
    [{ ...good, to: undefined }, 400, 'to'],
    [{ ...good, to: '555-CALL-ME' }, 400, 'to'],
    [{ ...good, from: 'sip:evil@x' }, 400, 'from'],
    [{ ...good, profile: 'nobody' }, 400, 'profile'],
    [{ ...good, trunk: 'no-such-trunk' }, 400, 'trunk'],
    [{ ...good, trunk: 'ring', registration: '7000' }, 400, 'trunk'],
    [{ ...good, to: '+4420794600' }, 403, 'to'],
    [{ ...good, maxRingSeconds: 1 }, 400, 'maxRingSeconds'],
    [{ ...good, variables: { 'bad name': 'x' } }, 400, 'variables.bad name'],
  ])('%j → %i naming %s, and no call is placed', async (payload, status, field) => {
    const s = server();
    const before = gw.media.length;
    const res = await post(s.app, payload);
    expect(res.statusCode, res.body).toBe(status);
    expect(res.json()).toMatchObject({ field });
    expect(gw.media.length).toBe(before);
  });

  it('a flood of POSTs is limited: 429 with Retry-After once the burst is spent', async () => {
    const s = server({ apiRate: { perSecond: 1, burst: 3 } });
    const outside = { ...good, to: '+4420794600' };
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) codes.push((await post(s.app, outside)).statusCode);
    expect(codes).toEqual([403, 403, 403, 429, 429]);
    const limited = await post(s.app, outside);
    expect(limited.headers['retry-after']).toBe('1');
    expect(limited.json()).toMatchObject({ error: 'rate_limited', field: 'request' });
    clock.advance(1000);
    expect((await post(s.app, outside)).statusCode).toBe(403);
  });

  it('per-trunk limits: max concurrent calls, then calls per second (429 naming the trunk)', async () => {
    const s = server();
    const first = await post(s.app, { ...good, trunk: 'void' });
    expect(first.statusCode).toBe(201);
    const second = await post(s.app, { ...good, trunk: 'void' });
    expect(second.statusCode).toBe(429);
    expect(second.json()).toMatchObject({ error: 'route_busy', field: 'trunk' });
    const uk = { ...good, to: '+442079460000', trunk: 'slow' };
    expect((await post(s.app, uk)).statusCode).toBe(201);
    const fast = await post(s.app, uk);
    expect(fast.statusCode).toBe(429);
    expect(fast.json()).toMatchObject({ error: 'rate_limited', field: 'trunk' });
  });
});

describe('POST, idempotency and DELETE against a ringing sipp callee', () => {
  it('the same idempotency key returns the same call; DELETE cancels it while ringing', async () => {
    const s = server();
    const uas = runSipp({
      scenario: 'uas-ring-cancel.xml',
      target: `127.0.0.1:${GATEWAY_PORT}`,
      transport: 'udp',
      localPort: CALLEE_PORT,
      mediaPort: 21314,
      timeoutMs: 15_000,
    });
    await new Promise((r) => setTimeout(r, 300));
    const payload = { ...good, idempotencyKey: 'reminder-42', variables: { name: 'Ada' } };
    const first = await post(s.app, payload);
    expect(first.statusCode).toBe(201);
    const { callId } = first.json() as { callId: string };
    const again = await post(s.app, payload);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ callId, existing: true });
    const viaHeader = await post(s.app, good, { ...auth, 'idempotency-key': 'reminder-42' } as typeof auth);
    expect(viaHeader.json()).toEqual({ callId, existing: true });
    expect(gw.media.filter((m) => m.callId === callId)).toHaveLength(1);

    const ringing = await s.app.inject({ url: `/api/calls/${callId}`, headers: auth });
    expect(ringing.json()).toMatchObject({
      call: { direction: 'outbound', route: 'trunk:ring', outcome: null, endedAt: null },
    });

    await new Promise((r) => setTimeout(r, 200)); // the 180 is in: CANCEL may go
    const del = await s.app.inject({ method: 'DELETE', url: `/api/calls/${callId}`, headers: auth });
    expect(del.statusCode).toBe(202);
    const run = await uas;
    expect(run.code, run.output + run.errors).toBe(0);
    expect(run.messages).toMatch(/^CANCEL sip:\+15551234567@127\.0\.0\.1:15307 SIP\/2\.0/m);
    await waitFor(() => s.store.getCall(callId)?.endedAt != null);
    const done = await s.app.inject({ url: `/api/calls/${callId}`, headers: auth });
    expect(done.json()).toMatchObject({
      call: { direction: 'outbound', outcome: 'cancelled', endReason: 'cancelled', hangupBy: 'api' },
    });
    const late = await s.app.inject({ method: 'DELETE', url: `/api/calls/${callId}`, headers: auth });
    expect(late.statusCode).toBe(409);
    const unknown = await s.app.inject({ method: 'DELETE', url: '/api/calls/nope', headers: auth });
    expect(unknown.statusCode).toBe(404);
  });
});
