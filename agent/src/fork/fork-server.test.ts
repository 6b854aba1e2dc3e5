import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { CallChannel, CallEvent, CallHandler } from '../conversation/call-channel.js';
import { basicAuthHeader } from './auth.js';
import { ForkServer } from './fork-server.js';
import { CloseCode, decodeCommand } from './protocol.js';

const creds = { username: 'fs', password: 'fork-secret-1', token: 'tok-0123456789abcdef' };

interface Recorded {
  channel: CallChannel;
  audio: number[];
  events: CallEvent[];
  closed: string[];
}

let server: Server;
let fork: ForkServer;
let port: number;
let calls: Recorded[];

beforeEach(async () => {
  calls = [];
  fork = new ForkServer({
    credentials: creds,
    log: pino({ level: 'silent' }),
    createCall: (channel): CallHandler => {
      const rec: Recorded = { channel, audio: [], events: [], closed: [] };
      calls.push(rec);
      return {
        onAudio: (pcm) => rec.audio.push(pcm.length),
        onEvent: (e) => rec.events.push(e),
        close: async (reason) => {
          rec.closed.push(reason);
        },
      };
    },
  });
  server = createServer((_req, res) => res.writeHead(404).end());
  server.on('upgrade', (req, socket, head) => {
    if (!fork.handleUpgrade(req, socket, head)) socket.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});

afterEach(async () => {
  await fork.close();
  await new Promise((r) => server.close(r));
});

function connect(opts: { auth?: 'basic' | 'token' | 'wrong' | 'none'; protocol?: string } = {}): WebSocket {
  const auth = opts.auth ?? 'basic';
  const url = `ws://127.0.0.1:${port}/fork${auth === 'token' ? `?token=${creds.token}` : ''}`;
  const headers: Record<string, string> = {};
  if (auth === 'basic') headers.authorization = basicAuthHeader(creds.username, creds.password);
  if (auth === 'wrong') headers.authorization = basicAuthHeader(creds.username, 'nope');
  return new WebSocket(url, opts.protocol ?? 'audio.drachtio.org', { headers });
}

function opened(ws: WebSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
}

function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
}

async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting for condition');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const META = JSON.stringify({ callId: 'call-1', from: '+15550001111', to: '7000', sampleRate: 8000 });

describe('fork server', () => {
  it('accepts Basic auth and the drachtio subprotocol, then routes metadata, audio and events', async () => {
    const ws = connect();
    await opened(ws);
    expect(ws.protocol).toBe('audio.drachtio.org');
    ws.send(META);
    ws.send(Buffer.alloc(320));
    ws.send(Buffer.alloc(640));
    ws.send('{"type":"dtmf","data":{"digit":"5"}}');
    await until(() => calls[0]?.events.length === 1);
    expect(calls[0]!.channel.metadata.callId).toBe('call-1');
    expect(calls[0]!.audio).toEqual([160, 320]);
    expect(calls[0]!.events).toEqual([{ type: 'dtmf', digit: '5' }]);
    ws.close(1000);
    await until(() => calls[0]!.closed.length === 1);
    expect(calls[0]!.closed).toEqual(['caller_hangup']);
  });

  it('accepts a token in the URL and the jambonz subprotocol', async () => {
    const ws = connect({ auth: 'token', protocol: 'audio.jambonz.org' });
    await opened(ws);
    expect(ws.protocol).toBe('audio.jambonz.org');
    ws.close();
  });

  it.each(['none', 'wrong'] as const)('answers 401 to %s credentials and creates no call', async (auth) => {
    const ws = connect({ auth });
    const status = await new Promise<number>((resolve) => {
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('open', () => resolve(101));
    });
    expect(status).toBe(401);
    expect(calls).toHaveLength(0);
    expect(fork.activeCalls).toBe(0);
  });

  it('sends commands from the channel as protocol frames', async () => {
    const ws = connect();
    await opened(ws);
    const frames: (string | Buffer)[] = [];
    ws.on('message', (data, isBinary) => frames.push(isBinary ? (data as Buffer) : data.toString()));
    ws.send(META);
    await until(() => calls.length === 1);
    const ch = calls[0]!.channel;
    ch.sendAudio(Int16Array.from([5, -1, 7]));
    ch.killAudio();
    ch.mark('m1');
    ch.transfer('sip:sales@pbx.example.com');
    ch.sendDtmf('42');
    await until(() => frames.length === 5);
    expect([...(frames[0] as Buffer)]).toEqual([5, 0, 0, 0, 7, 0]);
    expect(frames.slice(1).map((f) => decodeCommand(f as string))).toEqual([
      { type: 'killAudio' },
      { type: 'mark', name: 'm1' },
      { type: 'transfer', target: 'sip:sales@pbx.example.com' },
      { type: 'json', data: { action: 'sendDtmf', digits: '42' } },
    ]);
    const done = closed(ws);
    ch.hangup('agent_hangup');
    expect(await done).toEqual({ code: 1000, reason: 'agent_hangup' });
    await until(() => calls[0]!.closed.length === 1);
    expect(calls[0]!.closed).toEqual(['agent_hangup']);
  });

  it('closes itself after a zero-length frame (graceful shutdown: the call ended there)', async () => {
    const ws = connect();
    await opened(ws);
    ws.send(META);
    await until(() => calls.length === 1);
    const done = closed(ws);
    ws.send(Buffer.alloc(0));
    expect((await done).code).toBe(CloseCode.normal);
    expect(calls[0]!.closed).toEqual(['caller_hangup']);
  });

  it.each([
    ['audio before metadata', [Buffer.alloc(320)], CloseCode.policyViolation],
    ['bad metadata JSON', ['{nope'], CloseCode.invalidPayload],
    ['an odd byte count', [META, Buffer.alloc(321)], CloseCode.invalidPayload],
    ['an unknown message type', [META, '{"type":"nope"}'], CloseCode.policyViolation],
    ['bad JSON after metadata', [META, 'not json'], CloseCode.invalidPayload],
    ['an oversize frame', [META, Buffer.alloc(40_000)], CloseCode.tooBig],
    ['a frame over the socket limit', [META, Buffer.alloc(200_000)], CloseCode.tooBig],
  ])('closes a connection that sends %s, while another call keeps going', async (_name, frames, code) => {
    const good = connect();
    await opened(good);
    good.send(JSON.stringify({ callId: 'healthy', sampleRate: 8000 }));
    await until(() => calls.length === 1);

    const bad = connect();
    await opened(bad);
    const result = closed(bad);
    for (const f of frames) bad.send(f);
    expect((await result).code).toBe(code);

    good.send(Buffer.alloc(320));
    await until(() => calls[0]!.audio.length === 1);
    expect(good.readyState).toBe(WebSocket.OPEN);
    expect(calls[0]!.closed).toEqual([]);
    good.close();
  });
});
