import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeServer, sampleTurn, startCall } from '../testing/http-test-kit.js';
import { readinessFrom } from './readiness.js';

const TOKEN = 'test-api-token-0123456789abcdef';
const servers: ReturnType<typeof makeServer>[] = [];
const make = (...args: Parameters<typeof makeServer>) => {
  const s = makeServer(...args);
  servers.push(s);
  return s;
};
afterEach(async () => {
  for (const s of servers.splice(0)) {
    await s.server.close();
    s.store.close();
  }
});

describe('health, readiness, metrics', () => {
  it('GET /healthz answers 200 ok', async () => {
    const { app } = make();
    const res = await app.inject('/healthz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz is 200 with the checks when ready, 503 when a check fails or throws', async () => {
    let registered = true;
    const { app } = make({
      readiness: readinessFrom({
        sip: () => ({ ok: registered, detail: registered ? 'registered' : 'registration failed: 403' }),
        providers: () => ({ ok: true, detail: 'deepgram, openai, cartesia configured' }),
      }),
    });
    const ok = await app.inject('/readyz');
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({
      status: 'ready',
      checks: {
        sip: { ok: true, detail: 'registered' },
        providers: { ok: true, detail: 'deepgram, openai, cartesia configured' },
      },
    });
    registered = false;
    const bad = await app.inject('/readyz');
    expect(bad.statusCode).toBe(503);
    expect(bad.json()).toMatchObject({ status: 'not_ready', checks: { sip: { ok: false } } });

    const throwing = make({
      readiness: readinessFrom({
        db: () => {
          throw new Error('disk on fire at /secret/path');
        },
      }),
    });
    const res = await throwing.app.inject('/readyz');
    expect(res.statusCode).toBe(503);
    expect(res.body).not.toContain('/secret/path');
  });

  it('GET /metrics serves the Prometheus text of the registry, with turn histograms', async () => {
    const { app, observer } = make();
    startCall(observer, 'c1');
    observer.turnCompleted(sampleTurn('c1', 0));
    const res = await app.inject('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toContain('switchboard_turn_voice_to_voice_seconds_count 1');
    expect(res.body).toContain('switchboard_active_calls 1');
  });
});

describe('calls API', () => {
  it('lists calls newest first with paging and a profile filter', async () => {
    const { app, observer } = make();
    for (let i = 0; i < 5; i++) startCall(observer, `c${i}`, i < 3 ? 'sales' : 'support', i * 1000);
    observer.callEnded({ callId: 'c0', endedAt: new Date(), reason: 'caller_hangup' });

    const page1 = await app.inject('/api/calls?limit=2');
    expect(page1.statusCode).toBe(200);
    const body1 = page1.json<{ calls: { callId: string; live: boolean }[]; next: string }>();
    expect(body1.calls.map((c) => c.callId)).toEqual(['c4', 'c3']);
    expect(body1.calls[0]?.live).toBe(true);
    const page2 = (await app.inject(`/api/calls?limit=2&before=${body1.next}`)).json();
    const page3 = (await app.inject(`/api/calls?limit=2&before=${page2.next}`)).json();
    expect(page2.calls.map((c: { callId: string }) => c.callId)).toEqual(['c2', 'c1']);
    expect(page3).toMatchObject({
      calls: [{ callId: 'c0', live: false, endReason: 'caller_hangup' }],
      next: null,
    });

    const sales = (await app.inject('/api/calls?profile=sales')).json();
    expect(sales.calls.map((c: { callId: string }) => c.callId)).toEqual(['c2', 'c1', 'c0']);
    const beforeTime = (await app.inject('/api/calls?before=2025-01-01T12:00:01.500Z')).json();
    expect(beforeTime.calls.map((c: { callId: string }) => c.callId)).toEqual(['c1', 'c0']);
  });

  it('rejects bad list parameters with 400 naming the field', async () => {
    const { app } = make();
    const bigLimit = await app.inject('/api/calls?limit=100000');
    expect(bigLimit.statusCode).toBe(400);
    expect(bigLimit.json()).toMatchObject({ error: 'bad_request', field: 'limit' });
    const badBefore = await app.inject('/api/calls?before=yesterday-ish');
    expect(badBefore.statusCode).toBe(400);
    expect(badBefore.json()).toMatchObject({ field: 'before' });
  });

  it('GET /api/calls/:callId returns the call, its turns and timings; 404 when unknown', async () => {
    const { app, observer } = make();
    startCall(observer, 'call-42');
    observer.turnCompleted(sampleTurn('call-42', 0));
    observer.turnCompleted(sampleTurn('call-42', 1));
    const res = await app.inject('/api/calls/call-42');
    expect(res.statusCode).toBe(200);
    const { call } = res.json();
    expect(call).toMatchObject({
      callId: 'call-42',
      from: '+15550100',
      to: '1000',
      profile: 'default',
      startedAt: '2025-01-01T12:00:00.000Z',
      endedAt: null,
      live: true,
      turnCount: 2,
    });
    expect(call.turns[1]).toEqual({
      ...JSON.parse(JSON.stringify(sampleTurn('call-42', 1))),
    });
    expect(call.turns[0].timings).toEqual({
      endOfUtteranceDelayMs: 110,
      sttDelayMs: 70,
      llmTtftMs: 250,
      ttsTtfbMs: 80,
      voiceToVoiceMs: 560,
    });
    const missing = await app.inject('/api/calls/nope');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: 'not_found' });
    expect((await app.inject('/api/calls/nope/events')).statusCode).toBe(404);
  });
});

describe('API token and origin', () => {
  it('requires the bearer token (header or ?token=) on /api only', async () => {
    const { app, observer } = make({ apiToken: TOKEN });
    startCall(observer, 'c1');
    const none = await app.inject('/api/calls');
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toContain('Bearer');
    expect(
      (await app.inject({ url: '/api/calls', headers: { authorization: 'Bearer wrong' } })).statusCode,
    ).toBe(401);
    expect(
      (await app.inject({ url: '/api/calls/c1', headers: { authorization: `Basic ${TOKEN}` } })).statusCode,
    ).toBe(401);
    expect(
      (await app.inject({ url: '/api/calls', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode,
    ).toBe(200);
    expect((await app.inject(`/api/calls/c1?token=${TOKEN}`)).statusCode).toBe(200);
    expect((await app.inject('/api/calls/c1?token=nope')).statusCode).toBe(401);
    for (const open of ['/healthz', '/readyz', '/metrics'])
      expect((await app.inject(open)).statusCode).toBe(200);
  });

  it('never puts the token in any response', async () => {
    const { app, observer } = make({ apiToken: TOKEN });
    startCall(observer, 'c1');
    observer.turnCompleted(sampleTurn('c1', 0));
    const auth = { authorization: `Bearer ${TOKEN}` };
    for (const url of [
      '/healthz',
      '/readyz',
      '/metrics',
      '/api/calls',
      '/api/calls/c1',
      '/api/calls/x',
      '/nope',
    ]) {
      for (const headers of [{}, auth]) {
        const res = await app.inject({ url, headers });
        expect(res.body).not.toContain(TOKEN);
        expect(JSON.stringify(res.headers)).not.toContain(TOKEN);
      }
    }
  });

  it('lets a configured origin (the Electron app) read /api with CORS headers, and no other', async () => {
    const { app } = make({ apiOrigins: ['app://phone'] });
    const electron = await app.inject({
      url: '/api/calls',
      headers: { host: '127.0.0.1:8080', origin: 'app://phone' },
    });
    expect(electron.statusCode).toBe(200);
    expect(electron.headers['access-control-allow-origin']).toBe('app://phone');
    expect(electron.headers.vary).toContain('Origin');
    const other = await app.inject({
      url: '/api/calls',
      headers: { host: '127.0.0.1:8080', origin: 'app://evil' },
    });
    expect(other.statusCode).toBe(403);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('serves /api to its own origin only and never sends CORS headers', async () => {
    const { app } = make();
    const same = await app.inject({
      url: '/api/calls',
      headers: { host: 'box:8080', origin: 'http://box:8080' },
    });
    expect(same.statusCode).toBe(200);
    expect(same.headers['access-control-allow-origin']).toBeUndefined();
    const cross = await app.inject({
      url: '/api/calls',
      headers: { host: 'box:8080', origin: 'http://evil.test' },
    });
    expect(cross.statusCode).toBe(403);
    expect(cross.headers['access-control-allow-origin']).toBeUndefined();
    const nullOrigin = await app.inject({ url: '/api/calls', headers: { origin: 'null' } });
    expect(nullOrigin.statusCode).toBe(403);
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/api/calls',
      headers: { host: 'box:8080', origin: 'http://evil.test', 'access-control-request-method': 'GET' },
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    // Non-API pages are not restricted by origin.
    expect((await app.inject({ url: '/healthz', headers: { origin: 'http://evil.test' } })).statusCode).toBe(
      200,
    );
  });
});

describe('static web apps', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  function softphoneBuild(): string {
    dir = mkdtempSync(join(tmpdir(), 'sb-static-'));
    const build = join(dir, 'dist');
    mkdirSync(join(build, 'assets'), { recursive: true });
    writeFileSync(join(build, 'index.html'), '<!doctype html><title>softphone</title>');
    writeFileSync(join(build, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(join(build, '.env'), 'SECRET=1');
    writeFileSync(join(dir, 'outside.txt'), 'outside');
    return build;
  }

  it('serves index.html at the prefix, files with their type, SPA fallback, and nothing outside', async () => {
    const { app } = make({ staticDirs: { '/phone/': softphoneBuild() } });
    const redirect = await app.inject('/phone');
    expect(redirect.statusCode).toBe(301);
    expect(redirect.headers.location).toBe('/phone/');
    const index = await app.inject('/phone/');
    expect(index.statusCode).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.body).toContain('<title>softphone</title>');
    const js = await app.inject('/phone/assets/app.js');
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.body).toBe('console.log(1)');
    expect((await app.inject('/phone/settings/audio')).body).toContain('softphone'); // SPA route
    expect((await app.inject('/phone/assets/missing.js')).statusCode).toBe(404);
    expect((await app.inject('/phone/.env')).statusCode).toBe(404);
    for (const evil of ['/phone/../outside.txt', '/phone/%2e%2e/outside.txt', '/phone/..%2foutside.txt']) {
      const res = await app.inject(evil);
      expect(res.body).not.toContain('outside');
    }
    expect((await app.inject('/healthz')).statusCode).toBe(200);
  });
});
