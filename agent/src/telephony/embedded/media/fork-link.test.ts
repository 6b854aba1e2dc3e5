import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { systemClock } from '../../../time/clock.js';
import { encodeCommand, type OutboundCommand } from '../../../fork/protocol.js';
import { createLogger } from '../../../log.js';
import { ForkConnectError, ForkLink, type ForkLinkEvents } from './fork-link.js';
import { FrameTicker } from './frame-ticker.js';

const log = createLogger('silent');

interface Received {
  at: number;
  text?: string;
  bytes?: number;
}

interface AgentServer {
  url: string;
  received: Received[];
  socket: Promise<WebSocket>;
  headers: Promise<Record<string, string | string[] | undefined>>;
  protocol: Promise<string>;
  close(): Promise<void>;
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A tiny fork server standing in for the agent. */
async function agentServer(opts: { status?: number } = {}): Promise<AgentServer> {
  const received: Received[] = [];
  let onSocket!: (ws: WebSocket) => void;
  let onHeaders!: (h: Record<string, string | string[] | undefined>) => void;
  const socket = new Promise<WebSocket>((r) => (onSocket = r));
  const headers = new Promise<Record<string, string | string[] | undefined>>((r) => (onHeaders = r));
  const wss = new WebSocketServer({
    port: 0,
    host: '127.0.0.1',
    handleProtocols: (p) => (p.has('audio.drachtio.org') ? 'audio.drachtio.org' : false),
    verifyClient: opts.status ? (_info, cb) => cb(false, opts.status) : undefined,
  });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  wss.on('connection', (ws, req) => {
    onHeaders(req.headers);
    ws.on('message', (data, isBinary) => {
      const buf = data as Buffer;
      received.push(
        isBinary
          ? { at: performance.now(), bytes: buf.length }
          : { at: performance.now(), text: buf.toString() },
      );
    });
    onSocket(ws);
  });
  const port = (wss.address() as { port: number }).port;
  const server: AgentServer = {
    url: `ws://127.0.0.1:${port}/fork`,
    received,
    socket,
    headers,
    protocol: socket.then((ws) => ws.protocol),
    close: () =>
      new Promise<void>((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => r());
      }),
  };
  cleanups.push(() => server.close());
  return server;
}

interface Harness {
  link: ForkLink;
  heard: { at: number; pcm: Int16Array }[];
  events: { hangups: string[]; transfers: string[]; dtmf: string[]; closed: number[] };
}

async function connectLink(
  url: string,
  extra: Partial<ConstructorParameters<typeof ForkLink>[0]> = {},
): Promise<Harness> {
  const events = {
    hangups: [] as string[],
    transfers: [] as string[],
    dtmf: [] as string[],
    closed: [] as number[],
  };
  const handlers: ForkLinkEvents = {
    onHangupRequested: (r) => events.hangups.push(r),
    onTransfer: (t) => events.transfers.push(t),
    onSendDtmf: (d) => events.dtmf.push(d),
    onClosed: (c) => events.closed.push(c),
  };
  const link = new ForkLink({
    url,
    username: 'fs',
    password: 's3cret',
    metadata: {
      callId: 'call-1',
      from: '+15551230000',
      to: '7000',
      sampleRate: 8000,
      playbackSampleRate: 8000,
    },
    callRate: 8000,
    clock: systemClock,
    log,
    events: handlers,
    ...extra,
  });
  await link.connect();
  const heard: Harness['heard'] = [];
  const ticker = new FrameTicker(systemClock);
  const caller = new Int16Array(160).fill(1000);
  const off = ticker.subscribe(() => {
    link.sendAudio(caller);
    const pcm = link.pull(160);
    if (pcm) heard.push({ at: performance.now(), pcm });
  });
  cleanups.push(() => {
    off();
    link.close();
  });
  return { link, heard, events };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(pred: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(5);
  }
}
const send = async (s: AgentServer, cmd: OutboundCommand) => (await s.socket).send(encodeCommand(cmd));
const markTexts = (s: AgentServer) =>
  s.received.filter((r) => r.text?.includes('"mark"')).map((r) => JSON.parse(r.text!));
const agentAudio = (ms: number, value = 5000) =>
  Buffer.from(new Int16Array((ms * 8000) / 1000).fill(value).buffer);

describe('ForkLink against a real WebSocket server', () => {
  it('handshake: subprotocol audio.drachtio.org, Basic auth; metadata first, then 320-byte frames every 20 ms', async () => {
    const server = await agentServer();
    await connectLink(server.url);
    expect(await server.protocol).toBe('audio.drachtio.org');
    expect((await server.headers).authorization).toBe(`Basic ${Buffer.from('fs:s3cret').toString('base64')}`);
    await until(() => server.received.length >= 51);
    const [first, ...rest] = server.received;
    expect(JSON.parse(first!.text!)).toMatchObject({
      callId: 'call-1',
      from: '+15551230000',
      to: '7000',
      sampleRate: 8000,
    });
    const frames = rest.slice(0, 50);
    expect(frames.every((f) => f.bytes === 320)).toBe(true);
    const span = frames[49]!.at - frames[0]!.at;
    expect(span).toBeGreaterThan(49 * 20 - 100);
    expect(span).toBeLessThan(49 * 20 + 250);
  });

  it('token auth goes in the URL', async () => {
    const server = await agentServer();
    await connectLink(server.url, { username: undefined, password: undefined, token: 'tok en' });
    const ws = await server.socket;
    expect(ws).toBeDefined();
    expect((await server.headers).authorization).toBeUndefined();
  });

  it('agent audio sent ahead of real time is buffered and played out paced', async () => {
    const server = await agentServer();
    const h = await connectLink(server.url);
    const ws = await server.socket;
    const sentAt = performance.now();
    ws.send(agentAudio(1000));
    await until(() => h.heard.length >= 50);
    await sleep(100);
    expect(h.heard.length).toBe(50);
    const firstDelay = h.heard[0]!.at - sentAt;
    const span = h.heard[49]!.at - h.heard[0]!.at;
    expect(firstDelay).toBeLessThan(150);
    expect(span).toBeGreaterThan(980 - 100);
    expect(span).toBeLessThan(980 + 250);
    expect(h.heard.every((f) => f.pcm.every((s) => s === 5000))).toBe(true);
  });

  it('a mark reports playout when the audio before it has played (not when it arrived)', async () => {
    const server = await agentServer();
    const h = await connectLink(server.url);
    const ws = await server.socket;
    ws.send(agentAudio(500));
    await send(server, { type: 'mark', name: 'end-of-500' });
    await until(() => markTexts(server).length === 1, 3000);
    const mark = server.received.find((r) => r.text?.includes('end-of-500'))!;
    expect(JSON.parse(mark.text!)).toEqual({ type: 'mark', data: { name: 'end-of-500', event: 'playout' } });
    const playedFor = mark.at - h.heard[0]!.at;
    expect(playedFor).toBeGreaterThan(480 - 100);
    expect(playedFor).toBeLessThan(480 + 250);
  });

  it('killAudio flushes at once, pending marks come back cleared, later audio plays normally', async () => {
    const server = await agentServer();
    const h = await connectLink(server.url);
    const ws = await server.socket;
    ws.send(agentAudio(3000));
    await send(server, { type: 'mark', name: 'a' });
    await send(server, { type: 'mark', name: 'b' });
    await until(() => h.heard.length >= 10);
    await send(server, { type: 'killAudio' });
    const killedAt = performance.now();
    await until(() => markTexts(server).length === 2);
    expect(markTexts(server)).toEqual([
      { type: 'mark', data: { name: 'a', event: 'cleared' } },
      { type: 'mark', data: { name: 'b', event: 'cleared' } },
    ]);
    await sleep(200);
    const after = h.heard.filter((f) => f.at > killedAt + 100);
    expect(after).toEqual([]);
    expect(h.heard.length).toBeLessThan(25);
    ws.send(agentAudio(100, 7000));
    await until(() => h.heard.some((f) => f.pcm[0] === 7000));
  });

  it('16 kHz agent audio is resampled to the 8 kHz call', async () => {
    const server = await agentServer();
    const h = await connectLink(server.url, {
      metadata: { callId: 'c16', from: 'a', to: 'b', sampleRate: 8000, playbackSampleRate: 16000 },
    });
    (await server.socket).send(Buffer.from(new Int16Array(16000).fill(3000).buffer));
    await until(() => h.heard.length >= 50);
    await sleep(80);
    expect(h.heard.length).toBe(50);
  });

  it('transfer, disconnect and json sendDtmf raise events; disconnect waits for queued audio', async () => {
    const server = await agentServer();
    const h = await connectLink(server.url);
    await send(server, { type: 'transfer', target: 'sip:sales@example.com' });
    await send(server, { type: 'json', data: { action: 'sendDtmf', digits: '12#' } });
    (await server.socket).send(agentAudio(300));
    await send(server, { type: 'disconnect', reason: 'goodbye' });
    await until(() => h.events.transfers.length === 1 && h.events.dtmf.length === 1);
    expect(h.events).toMatchObject({ transfers: ['sip:sales@example.com'], dtmf: ['12#'] });
    expect(h.events.hangups).toEqual([]);
    await until(() => h.events.hangups.length === 1, 2000);
    expect(h.events.hangups).toEqual(['goodbye']);
    expect(h.heard.length).toBeGreaterThanOrEqual(14);
  });

  it('server close → onHangupRequested(fork_closed), once', async () => {
    const server = await agentServer();
    const h = await connectLink(server.url);
    (await server.socket).close(1000);
    await until(() => h.events.hangups.length === 1);
    await sleep(50);
    expect(h.events.hangups).toEqual(['fork_closed']);
  });

  it('close() at hangup closes with 1000 and raises no hangup request', async () => {
    const server = await agentServer();
    const h = await connectLink(server.url);
    const ws = await server.socket;
    const code = new Promise<number>((r) => ws.once('close', (c) => r(c)));
    h.link.notify({ type: 'hangup', reason: 'caller' });
    h.link.close();
    expect(await code).toBe(1000);
    await sleep(30);
    expect(h.events.hangups).toEqual([]);
    expect(server.received.some((r) => r.text === '{"type":"hangup","data":{"reason":"caller"}}')).toBe(true);
  });

  it('401 and a server that never answers the upgrade both fail with ForkConnectError', async () => {
    const denied = await agentServer({ status: 401 });
    await expect(connectLink(denied.url)).rejects.toThrow(ForkConnectError);
    const conns: Socket[] = [];
    const silent: Server = createServer((c) => conns.push(c));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => {
      for (const c of conns) c.destroy();
      return new Promise((r) => silent.close(r));
    });
    const port = (silent.address() as { port: number }).port;
    const t0 = Date.now();
    await expect(connectLink(`ws://127.0.0.1:${port}/fork`, { connectTimeoutMs: 300 })).rejects.toThrow(
      ForkConnectError,
    );
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('a stalled agent never blocks: caller frames are dropped while the socket is backed up', async () => {
    const server = await agentServer();
    const h = await connectLink(server.url, { maxSendBacklogBytes: 0 });
    const ws = await server.socket;
    // Stop reading on the agent side: TCP fills, bufferedAmount grows, frames are dropped instead.
    (ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const big = new Int16Array(16000);
    for (let i = 0; i < 200; i++) h.link.sendAudio(big);
    expect(h.link.droppedFrames).toBeGreaterThan(0);
  });

  it('never sends an empty frame: on the fork that means "shut the call down"', async () => {
    const server = await agentServer();
    const h = await connectLink(server.url);
    await server.socket;
    for (let i = 0; i < 5; i++) h.link.sendAudio(new Int16Array(0));
    await until(() => server.received.filter((r) => r.bytes !== undefined).length >= 5);
    const sizes = new Set(server.received.filter((r) => r.bytes !== undefined).map((r) => r.bytes));
    expect(sizes).toEqual(new Set([320]));
    expect(h.link.emptyFramesRefused).toBe(5);
  });
});
