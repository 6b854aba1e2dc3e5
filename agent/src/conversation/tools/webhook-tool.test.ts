import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../time/clock.js';
import { profileSchema, webhookToolSchema } from '../../config/profile-schema.js';
import { MemoryCallChannel } from '../../testing/memory-call.js';
import { startHarness } from '../../testing/conversation-harness.js';
import { tokens } from '../../testing/memory-providers.js';
import type { ToolContext } from './tool-types.js';
import { webhookTool } from './webhook-tool.js';

let server: http.Server;
let base = '';
const seen: { method: string; url: string; body: string }[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', body });
      if (req.url?.startsWith('/slow')) {
        setTimeout(() => res.end('too late'), 2000).unref();
        return;
      }
      if (req.url?.startsWith('/fail')) {
        res.statusCode = 500;
        res.end('boom');
        return;
      }
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ orderStatus: 'shipped', echo: body || req.url }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function ctx(signal = new AbortController().signal): ToolContext {
  return {
    channel: new MemoryCallChannel(systemClock),
    profile: profileSchema.parse({ name: 't', systemPrompt: 's' }),
    clock: systemClock,
    log: pino({ level: 'silent' }),
    signal,
    awaitTransferResult: () => Promise.reject(new Error('unused')),
  };
}

const tool = (path: string, extra: Record<string, unknown> = {}) =>
  webhookTool(
    webhookToolSchema.parse({
      type: 'webhook',
      name: 'lookup',
      description: 'Look up an order',
      url: `${base}${path}`,
      ...extra,
    }),
  );

describe('webhook tools', () => {
  it('POSTs the JSON arguments and returns the response text', async () => {
    const out = await tool('/orders').run('{"orderId":"A-17"}', ctx());
    expect(JSON.parse(out.result)).toEqual({ orderStatus: 'shipped', echo: '{"orderId":"A-17"}' });
    expect(seen.at(-1)).toMatchObject({ method: 'POST', url: '/orders' });
  });

  it('sends GET arguments as query parameters', async () => {
    const out = await tool('/orders', { method: 'GET' }).run('{"orderId":"A 17"}', ctx());
    expect(JSON.parse(out.result).echo).toBe('/orders?orderId=A+17');
  });

  it('times out after timeoutMs with an error result', async () => {
    const t0 = Date.now();
    const out = await tool('/slow', { timeoutMs: 200 }).run('{}', ctx());
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(JSON.parse(out.result)).toEqual({ error: 'timed out after 200 ms' });
  });

  it('a refused connection (bad URL) is an error result', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const t = webhookTool(
      webhookToolSchema.parse({
        type: 'webhook',
        name: 'x',
        description: 'x',
        url: `http://127.0.0.1:${port}/`,
      }),
    );
    expect(JSON.parse((await t.run('{}', ctx())).result)).toEqual({ error: 'request failed' });
  });

  it('HTTP errors and non-object arguments are error results', async () => {
    expect(JSON.parse((await tool('/fail').run('{}', ctx())).result).error).toMatch(/^HTTP 500/);
    expect(JSON.parse((await tool('/orders').run('[1,2]', ctx())).result)).toEqual({
      error: 'arguments must be a JSON object',
    });
  });

  it('runs inside a conversation: the result goes back to the LLM', async () => {
    const h = await startHarness({
      profile: {
        tools: [
          { type: 'webhook', name: 'order_status', description: 'Order status', url: `${base}/orders` },
        ],
      },
      llm: [
        [{ toolCalls: [{ id: 'w1', name: 'order_status', arguments: '{"orderId":"B-2"}' }] }],
        tokens('Your order has shipped.'),
      ],
    });
    await h.untilListening();
    await h.say('Where is my order?');
    for (let i = 0; i < 200 && h.llm.requests.length < 2; i++) {
      await h.advance(10);
      await new Promise((r) => setTimeout(r, 5));
    }
    const tool = h.llm.requests[1]!.messages.find((m) => m.role === 'tool');
    expect(tool).toEqual({
      role: 'tool',
      toolCallId: 'w1',
      content: expect.stringContaining('"orderStatus":"shipped"'),
    });
    await h.untilListening();
    expect(h.tts.spoken().at(-1)).toBe('Your order has shipped.');
  });
});
