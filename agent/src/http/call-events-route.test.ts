/** The live events stream over a real socket: SSE framing, heartbeats, end of call, resume, shutdown. */
import { request, type IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../time/clock.js';
import type { CallEventMessage } from './call-events-route.js';
import { makeServer, sampleTurn, startCall } from '../testing/http-test-kit.js';

interface SseClient {
  status: Promise<number>;
  headers: Promise<IncomingMessage['headers']>;
  messages: { id?: string; data: CallEventMessage }[];
  comments: string[];
  ended: Promise<void>;
  waitFor(pred: () => boolean, label: string, ms?: number): Promise<void>;
  close(): void;
}

/** A minimal EventSource: parses `id:`, `data:` and `:comment` lines from a streaming response. */
function openSse(url: string, headers: Record<string, string> = {}): SseClient {
  const messages: SseClient['messages'] = [];
  const comments: string[] = [];
  let buffer = '';
  let onStatus!: (s: number) => void;
  let onHeaders!: (h: IncomingMessage['headers']) => void;
  let onEnd!: () => void;
  const status = new Promise<number>((r) => (onStatus = r));
  const heads = new Promise<IncomingMessage['headers']>((r) => (onHeaders = r));
  const ended = new Promise<void>((r) => (onEnd = r));
  const req = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
    onStatus(res.statusCode ?? 0);
    onHeaders(res.headers);
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffer += chunk;
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        let id: string | undefined;
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) comments.push(line.slice(1).trim());
          else if (line.startsWith('id: ')) id = line.slice(4);
          else if (line.startsWith('data: ')) data.push(line.slice(6));
        }
        if (data.length) messages.push({ id, data: JSON.parse(data.join('\n')) as CallEventMessage });
      }
    });
    res.on('end', onEnd);
    res.on('close', onEnd);
  });
  req.on('error', () => onEnd());
  req.end();
  return {
    status,
    headers: heads,
    messages,
    comments,
    ended,
    async waitFor(pred, label, ms = 3000) {
      const deadline = Date.now() + ms;
      while (!pred()) {
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for ${label}: ${JSON.stringify(messages)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    close: () => req.destroy(),
  };
}

const within = <T>(p: Promise<T>, ms: number, label: string) =>
  Promise.race([
    p,
    new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`${label} timed out`)), ms)),
  ]);

const servers: ReturnType<typeof makeServer>[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    await within(s.server.close(), 5000, 'server close');
    s.store.close();
  }
});

async function listening(overrides: Parameters<typeof makeServer>[0] = {}) {
  const s = makeServer({ sseHeartbeatMs: 100, ...overrides });
  servers.push(s);
  const addr = await s.server.listen('127.0.0.1', 0);
  return { ...s, base: addr.url, addr };
}

const types = (c: SseClient) => c.messages.map((m) => m.data.type);

describe('GET /api/calls/:callId/events (real socket)', () => {
  it('streams history, live events and heartbeats, then the record and end when the call ends', async () => {
    const { base, addr, observer, live } = await listening();
    expect(addr.host).toBe('127.0.0.1');
    expect(addr.port).toBeGreaterThan(0);
    startCall(observer, 'c1');
    observer.live('c1', { type: 'state', state: 'listening' });

    const client = openSse(`${base}/api/calls/c1/events`);
    expect(await within(client.status, 3000, 'status')).toBe(200);
    expect((await client.headers)['content-type']).toBe('text/event-stream; charset=utf-8');
    await client.waitFor(() => client.messages.length >= 2, 'call + history');
    expect(client.messages[0]?.data).toMatchObject({
      type: 'call',
      call: { callId: 'c1', profile: 'default' },
    });
    expect(client.messages[1]).toMatchObject({
      id: '1',
      data: { type: 'state', state: 'listening', seq: 1 },
    });

    observer.live('c1', { type: 'transcript', role: 'user', text: 'what time is it', final: true });
    observer.turnCompleted(sampleTurn('c1', 0));
    await client.waitFor(() => client.messages.length >= 4, 'live events');
    expect(client.messages[2]?.data).toMatchObject({ type: 'transcript', text: 'what time is it', seq: 2 });
    expect(client.messages[3]?.data).toMatchObject({
      type: 'turn',
      turn: { index: 0, userText: 'what time is it 0' },
    });

    await client.waitFor(() => client.comments.includes('ping'), 'heartbeat comment');
    expect(live.subscriberCount('c1')).toBe(1);

    observer.callEnded({ callId: 'c1', endedAt: new Date(), reason: 'caller_hangup' });
    await within(client.ended, 3000, 'stream end');
    expect(types(client).slice(-3)).toEqual(['state', 'record', 'end']);
    const record = client.messages.at(-2)?.data;
    expect(record).toMatchObject({
      type: 'record',
      call: { callId: 'c1', endReason: 'caller_hangup', turnCount: 1 },
    });
    expect(client.messages.at(-1)?.data).toEqual({ type: 'end', reason: 'call_ended' });
  });

  it('for a call already ended: sends its record and closes', async () => {
    const { base, observer } = await listening();
    startCall(observer, 'old');
    observer.turnCompleted(sampleTurn('old', 0));
    observer.callEnded({ callId: 'old', endedAt: new Date(), reason: 'agent_hangup' });
    const client = openSse(`${base}/api/calls/old/events`);
    await within(client.ended, 3000, 'stream end');
    expect(await client.status).toBe(200);
    expect(client.messages.map((m) => m.data)).toMatchObject([
      { type: 'record', call: { callId: 'old', endReason: 'agent_hangup', turns: [{ index: 0 }] } },
      { type: 'end', reason: 'not_live' },
    ]);
  });

  it('resumes after Last-Event-ID without repeating events', async () => {
    const { base, observer } = await listening();
    startCall(observer, 'c1');
    for (const digit of ['1', '2', '3']) observer.live('c1', { type: 'dtmf', digit });
    const client = openSse(`${base}/api/calls/c1/events`, { 'last-event-id': '2' });
    await client.waitFor(() => client.messages.length >= 2, 'resume');
    expect(client.messages.map((m) => m.data)).toMatchObject([
      { type: 'call' },
      { type: 'dtmf', digit: '3', seq: 3 },
    ]);
    client.close();
  });

  it('accepts ?token= (EventSource cannot set headers) and refuses without it', async () => {
    const token = 'sse-token-abcdefghijklmnop';
    const { base, observer } = await listening({ apiToken: token });
    startCall(observer, 'c1');
    const refused = openSse(`${base}/api/calls/c1/events`);
    expect(await within(refused.status, 3000, 'status')).toBe(401);
    await within(refused.ended, 3000, 'refused end');
    const client = openSse(`${base}/api/calls/c1/events?token=${token}`);
    expect(await within(client.status, 3000, 'status')).toBe(200);
    await client.waitFor(() => client.messages.length >= 1, 'call message');
    client.close();
  });

  it('drops the subscription when the client goes away', async () => {
    const { base, observer, live } = await listening();
    startCall(observer, 'c1');
    const client = openSse(`${base}/api/calls/c1/events`);
    await client.waitFor(() => live.subscriberCount('c1') === 1, 'subscribed');
    client.close();
    await client.waitFor(() => live.subscriberCount('c1') === 0, 'unsubscribed');
    observer.live('c1', { type: 'dtmf', digit: '9' }); // nothing to write to; must not throw
  });

  it('server shutdown ends open streams with server_closing and does not hang', async () => {
    const s = makeServer({ sseHeartbeatMs: 100 });
    const { url } = await s.server.listen('127.0.0.1', 0);
    startCall(s.observer, 'c1');
    const client = openSse(`${url}/api/calls/c1/events`);
    await client.waitFor(() => client.messages.length >= 1, 'call message');
    await within(s.server.close(), 5000, 'close');
    await within(client.ended, 3000, 'client end');
    expect(client.messages.at(-1)?.data).toEqual({ type: 'end', reason: 'server_closing' });
    s.store.close();
  });

  it('sends the heartbeat comment every 15 s by default (driven by the injected clock)', async () => {
    const clock = new ManualClock();
    const { base, observer } = await listening({ clock, sseHeartbeatMs: undefined });
    startCall(observer, 'c1');
    const client = openSse(`${base}/api/calls/c1/events`);
    await client.waitFor(() => client.messages.length >= 1, 'call message');
    clock.advance(14_999);
    await new Promise((r) => setTimeout(r, 50));
    expect(client.comments).toEqual([]);
    clock.advance(1);
    await client.waitFor(() => client.comments.length === 1, 'first ping');
    clock.advance(15_000);
    await client.waitFor(() => client.comments.length === 2, 'second ping');
    expect(client.comments).toEqual(['ping', 'ping']);
    client.close();
  });
});
