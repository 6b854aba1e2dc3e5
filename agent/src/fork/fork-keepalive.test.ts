/**
 * Fork liveness (issue 11 backstop): pings on the injected clock, a fork silent past the timeout
 * ends its call as fork_timeout; and the server's close() waits for every call to record its end.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ManualClock } from '../time/clock.js';
import type { CallHandler } from '../conversation/call-channel.js';
import { basicAuthHeader } from './auth.js';
import { ForkKeepalive } from './fork-keepalive.js';
import { ForkServer, type ForkServerOptions } from './fork-server.js';

const creds = { username: 'fs', password: 'fork-secret-1', token: 'tok-0123456789abcdef' };
const META = JSON.stringify({ callId: 'call-1', sampleRate: 8000 });

describe('ForkKeepalive', () => {
  it('pings every pingMs while the peer answers; dead after timeoutMs of silence, not before', () => {
    const clock = new ManualClock();
    let pings = 0;
    const dead: number[] = [];
    const k = new ForkKeepalive(
      { pingMs: 1000, timeoutMs: 3000, clock },
      () => pings++,
      (ms) => dead.push(ms),
    );
    for (let i = 0; i < 10; i++) {
      clock.advance(1000);
      k.seen(); // a pong (or a frame) came back
    }
    expect(pings).toBe(10);
    expect(dead).toEqual([]);
    clock.advance(2999);
    expect(dead).toEqual([]);
    clock.advance(1);
    expect(dead).toEqual([3000]);
    clock.advance(10_000);
    expect(dead).toHaveLength(1);
    expect(pings).toBe(12);
  });

  it('pingMs 0 is off: no pings, never dead', () => {
    const clock = new ManualClock();
    const calls: string[] = [];
    new ForkKeepalive(
      { pingMs: 0, timeoutMs: 1000, clock },
      () => calls.push('ping'),
      () => calls.push('dead'),
    );
    clock.advance(60_000);
    expect(calls).toEqual([]);
  });
});

let server: Server | undefined;
let fork: ForkServer | undefined;
afterEach(async () => {
  await fork?.close();
  server?.closeAllConnections();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
  fork = undefined;
});

async function startFork(o: Partial<ForkServerOptions>, createCall: ForkServerOptions['createCall']) {
  fork = new ForkServer({ credentials: creds, log: pino({ level: 'silent' }), createCall, ...o });
  const s = createServer();
  server = s;
  s.on('upgrade', (req, socket, head) => {
    if (!fork!.handleUpgrade(req, socket, head)) socket.destroy();
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `ws://127.0.0.1:${(s.address() as AddressInfo).port}/fork`;
}

function open(url: string, autoPong: boolean): Promise<WebSocket> {
  const ws = new WebSocket(url, 'audio.drachtio.org', {
    headers: { authorization: basicAuthHeader(creds.username, creds.password) },
    autoPong,
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting for condition');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('fork keepalive and shutdown', () => {
  it('a fork that stops answering pings (half-open socket) is dropped and its call ends as fork_timeout', async () => {
    const clock = new ManualClock();
    const closed: string[] = [];
    const handler: CallHandler = {
      onAudio: () => undefined,
      onEvent: () => undefined,
      close: (reason) => Promise.resolve(void closed.push(reason)),
    };
    let calls = 0;
    const url = await startFork({ keepalive: { pingMs: 1000, timeoutMs: 3000, clock } }, () => {
      calls++;
      return handler;
    });
    const ws = await open(url, false); // a peer that is gone: it never answers pings
    let pings = 0;
    ws.on('ping', () => pings++);
    const gone = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.send(META);
    await until(() => calls === 1);
    clock.advance(1000);
    clock.advance(1000);
    await until(() => pings === 2);
    expect(closed).toEqual([]);
    clock.advance(1000);
    expect(closed).toEqual(['fork_timeout']);
    expect(fork!.activeCalls).toBe(0);
    expect(await gone).toBe(1006); // terminated: no close handshake with a dead peer
  });

  it('close() resolves only once every call has closed (recorded its end), also calls whose fork just ended', async () => {
    const ended: string[] = [];
    const slowClose = (id: string): CallHandler => ({
      onAudio: () => undefined,
      onEvent: () => undefined,
      // Closing a call waits (bounded) for its provider streams before it records the end.
      close: (reason) => new Promise((r) => setTimeout(() => r(void ended.push(`${id}:${reason}`)), 150)),
    });
    let n = 0;
    const url = await startFork({}, () => slowClose(`c${++n}`));
    const a = await open(url, true);
    const b = await open(url, true);
    a.send(META);
    await until(() => n === 1);
    b.send(META);
    await until(() => n === 2);
    a.close(1000); // the telephony side hung this one up just before the shutdown
    await until(() => fork!.activeCalls === 1);
    await fork!.close();
    expect(ended.sort()).toEqual(['c1:caller_hangup', 'c2:shutdown']);
  });
});
