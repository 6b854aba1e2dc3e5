/** WebSocket upgrades on the HTTP server are handed to deps.onUpgrade; unclaimed ones are refused. */
import type { IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import type { HttpServerDeps } from './http-server.js';
import { makeServer } from '../testing/http-test-kit.js';

const within = <T>(p: Promise<T>, ms: number, label: string) =>
  Promise.race([
    p,
    new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`${label} timed out`)), ms)),
  ]);

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Resolves with how a client's connection attempt ended: 'open' or the refusal it saw. */
function connect(url: string, protocols?: string[]): Promise<{ ws: WebSocket; outcome: string }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, protocols);
    ws.once('open', () => resolve({ ws, outcome: 'open' }));
    ws.once('unexpected-response', (_req, res) => resolve({ ws, outcome: `http ${res.statusCode}` }));
    ws.once('error', (err) => resolve({ ws, outcome: `error ${err.message}` }));
  });
}

async function serverWithUpgrade(onUpgrade: HttpServerDeps['onUpgrade']) {
  const s = makeServer({ onUpgrade });
  const { url } = await s.server.listen('127.0.0.1', 0);
  cleanups.push(async () => {
    await s.server.close();
    s.store.close();
  });
  return { ...s, wsBase: url.replace('http:', 'ws:') };
}

describe('upgrade hand-off', () => {
  it('a ws client reaches onUpgrade, which can accept it and talk', async () => {
    const wss = new WebSocketServer({ noServer: true, handleProtocols: () => 'audio.drachtio.org' });
    cleanups.push(() => wss.close());
    const seen: IncomingMessage[] = [];
    wss.on('connection', (ws) => ws.on('message', (data) => ws.send(`echo:${String(data)}`)));
    const { wsBase } = await serverWithUpgrade((req, socket, head) => {
      seen.push(req);
      if (!req.url?.startsWith('/fork')) return false;
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
      return true;
    });

    const { ws, outcome } = await within(
      connect(`${wsBase}/fork?token=abc`, ['audio.drachtio.org']),
      3000,
      'connect',
    );
    cleanups.push(() => ws.terminate());
    expect(outcome).toBe('open');
    expect(ws.protocol).toBe('audio.drachtio.org');
    expect(seen[0]?.url).toBe('/fork?token=abc');
    const reply = new Promise<string>((r) => ws.once('message', (d) => r(String(d))));
    ws.send('hello');
    expect(await within(reply, 3000, 'echo')).toBe('echo:hello');
  });

  it('refuses upgrades nobody claims, and those whose handler throws; HTTP keeps working', async () => {
    const { wsBase, server } = await serverWithUpgrade((req) => {
      if (req.url === '/boom') throw new Error('handler bug');
      return false;
    });
    for (const path of ['/other', '/boom']) {
      const { ws, outcome } = await within(connect(`${wsBase}${path}`), 3000, `connect ${path}`);
      cleanups.push(() => ws.terminate());
      expect(outcome).not.toBe('open');
      expect(outcome).toBe('http 404');
    }
    const health = await server.app.inject('/healthz');
    expect(health.statusCode).toBe(200);
  });

  it('without onUpgrade every upgrade is refused', async () => {
    const { wsBase } = await serverWithUpgrade(undefined);
    const { ws, outcome } = await within(connect(`${wsBase}/fork`), 3000, 'connect');
    cleanups.push(() => ws.terminate());
    expect(outcome).toBe('http 404');
  });
});
