/** Conformance of the OpenAI adapter: the official SDK against the Chat Completions fake. */
import { afterEach, describe, expect, it } from 'vitest';
import { startOpenAiFake, type OpenAiFake, type OpenAiFakeScript } from '../testing/fakes/openai-fake.js';
import { ProviderError } from './errors.js';
import { OpenAiLlm, type OpenAiLlmConfig } from './openai/openai-llm.js';
import type { ChatMessage, LlmEvent, LlmRequest, ToolSpec } from './types.js';

let fake: OpenAiFake | undefined;

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const TRANSFER: ToolSpec = {
  name: 'transfer_call',
  description: 'Transfer the caller',
  parameters: { type: 'object', properties: { target: { type: 'string' } }, required: ['target'] },
};

function request(messages: ChatMessage[], signal = new AbortController().signal): LlmRequest {
  return { model: 'gpt-4o-mini', messages, tools: [TRANSFER], temperature: 0.3, signal };
}

async function start(script: OpenAiFakeScript, config: Partial<OpenAiLlmConfig> = {}) {
  fake = await startOpenAiFake({ firstTokenMs: 20, interTokenMs: 2, ...script });
  return new OpenAiLlm({ apiKey: fake.apiKey, baseUrl: fake.url, ...config });
}

async function waitFor(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function collect(stream: AsyncIterable<LlmEvent>): Promise<LlmEvent[]> {
  const out: LlmEvent[] = [];
  for await (const e of stream) out.push(e);
  return out;
}

describe('OpenAiLlm against the OpenAI fake', () => {
  it('streams text deltas in order, then done, and sends our history, tools and settings', async () => {
    const llm = await start({ replies: [{ text: 'Sure, I can help you with that booking today.' }] });
    const history: ChatMessage[] = [
      { role: 'system', content: 'You are a receptionist.' },
      { role: 'user', content: 'Hi' },
      {
        role: 'assistant',
        content: '',
        toolCalls: [{ id: 'call_1', name: 'transfer_call', arguments: '{"target":"sales"}' }],
      },
      { role: 'tool', toolCallId: 'call_1', content: '{"ok":false}' },
      { role: 'assistant', content: 'Sorry, sales is busy.' },
      { role: 'user', content: 'Book a table' },
    ];
    const events = await collect(llm.stream(request(history)));
    const texts = events.filter((e) => e.type === 'text');
    expect(texts.length).toBeGreaterThan(3);
    expect(texts.map((e) => (e.type === 'text' ? e.text : '')).join('')).toBe(
      'Sure, I can help you with that booking today.',
    );
    expect(events.at(-1)).toEqual({ type: 'done', finishReason: 'stop' });

    const body = fake!.requests[0]!.body;
    expect(body).toMatchObject({ model: 'gpt-4o-mini', stream: true, temperature: 0.3 });
    expect(body['messages']).toEqual([
      { role: 'system', content: 'You are a receptionist.' },
      { role: 'user', content: 'Hi' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call_1',
            type: 'function',
            function: { name: 'transfer_call', arguments: '{"target":"sales"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '{"ok":false}' },
      { role: 'assistant', content: 'Sorry, sales is busy.' },
      { role: 'user', content: 'Book a table' },
    ]);
    expect(body['tools']).toEqual([{ type: 'function', function: TRANSFER }]);
  });

  it('reassembles streamed tool-call fragments into ToolCall[] with parseable arguments', async () => {
    const llm = await start({
      replies: [
        {
          text: 'Transferring you now.',
          toolCalls: [
            {
              name: 'transfer_call',
              arguments: { target: 'front desk', note: 'wants a table for "two"' },
              id: 'call_a',
            },
            { name: 'end_call', arguments: {}, id: 'call_b' },
          ],
        },
      ],
    });
    const events = await collect(llm.stream(request([{ role: 'user', content: 'transfer me' }])));
    const calls = events.find((e) => e.type === 'tool_calls');
    expect(calls).toBeDefined();
    if (calls?.type !== 'tool_calls') throw new Error('unreachable');
    expect(calls.calls.map((c) => [c.id, c.name])).toEqual([
      ['call_a', 'transfer_call'],
      ['call_b', 'end_call'],
    ]);
    expect(JSON.parse(calls.calls[0]!.arguments)).toEqual({
      target: 'front desk',
      note: 'wants a table for "two"',
    });
    expect(JSON.parse(calls.calls[1]!.arguments)).toEqual({});
    expect(events.at(-1)).toEqual({ type: 'done', finishReason: 'tool_calls' });
  });

  it('aborting mid-stream stops the iterator quietly and drops the HTTP stream', async () => {
    const llm = await start({
      replies: [{ text: 'one two three four five six seven eight nine ten', interTokenMs: 50 }],
    });
    const ac = new AbortController();
    const events: LlmEvent[] = [];
    for await (const e of llm.stream(request([{ role: 'user', content: 'count' }], ac.signal))) {
      events.push(e);
      if (events.length === 2) ac.abort();
    }
    expect(events).toHaveLength(2);
    // The server sees the client go away long before the 10-word reply could finish (500 ms).
    await waitFor(() => fake!.requests[0]!.clientClosedEarly);
  });

  it('leaving the for-await early also cancels the request', async () => {
    const llm = await start({ replies: [{ text: 'a b c d e f g h', interTokenMs: 50 }] });
    for await (const e of llm.stream(request([{ role: 'user', content: 'x' }]))) {
      if (e.type === 'text') break;
    }
    // The server sees the client go away long before the 10-word reply could finish (500 ms).
    await waitFor(() => fake!.requests[0]!.clientClosedEarly);
  });

  it.each([
    [500, 'server_error', true],
    [503, 'server_error', true],
    [429, 'rate_limited', true],
    [400, 'bad_response', false],
  ])('HTTP %i is ProviderError %s (retryable %s), with no SDK retry', async (status, code, retryable) => {
    const llm = await start({
      replies: [{ failure: { type: 'status', status } }, { text: 'should not be used' }],
    });
    const err = await collect(llm.stream(request([{ role: 'user', content: 'x' }]))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ provider: 'llm', code, retryable });
    expect(fake!.requests).toHaveLength(1);
  });

  it('a wrong key is auth_failed; a missing key is auth_failed without a request', async () => {
    const llm = await start({ replies: [] }, { apiKey: 'wrong' });
    await expect(collect(llm.stream(request([])))).rejects.toMatchObject({ code: 'auth_failed' });
    const none = new OpenAiLlm({ apiKey: undefined, baseUrl: fake!.url });
    await expect(collect(none.stream(request([])))).rejects.toMatchObject({ code: 'auth_failed' });
    expect(fake!.requests).toHaveLength(0); // the 401 was refused before the body was recorded
  });

  it('a stream cut mid-way is a retryable error after the text already delivered', async () => {
    const llm = await start({
      replies: [{ text: 'hello there my friend', failure: { type: 'cut', afterChunks: 3 } }],
    });
    const events: LlmEvent[] = [];
    const err = await (async () => {
      for await (const e of llm.stream(request([{ role: 'user', content: 'x' }]))) events.push(e);
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ retryable: true });
    expect(events.filter((e) => e.type === 'text').length).toBe(2);
  });

  it('an SSE error object mid-stream is a retryable server_error', async () => {
    const llm = await start({
      replies: [{ text: 'hello there', failure: { type: 'stream_error', afterChunks: 2 } }],
    });
    await expect(collect(llm.stream(request([{ role: 'user', content: 'x' }])))).rejects.toMatchObject({
      code: 'server_error',
      retryable: true,
    });
  });

  it('a hung server hits the request timeout; a stalled stream hits the idle timeout', async () => {
    const llm = await start(
      {
        replies: [
          { failure: { type: 'hang' } },
          { text: 'a b c d', failure: { type: 'stall', afterChunks: 2 } },
        ],
      },
      { timeoutMs: 300, idleTimeoutMs: 300 },
    );
    const t0 = Date.now();
    await expect(collect(llm.stream(request([])))).rejects.toMatchObject({
      code: 'timeout',
      retryable: true,
    });
    await expect(collect(llm.stream(request([])))).rejects.toMatchObject({
      code: 'timeout',
      retryable: true,
    });
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('honours the scripted first-token latency', async () => {
    const llm = await start({ replies: [{ text: 'hi', firstTokenMs: 250 }] });
    const t0 = Date.now();
    for await (const e of llm.stream(request([]))) {
      if (e.type === 'text') break;
    }
    expect(Date.now() - t0).toBeGreaterThanOrEqual(240);
  });
});
