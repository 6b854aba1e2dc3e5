/**
 * Conformance of the LLM stage: the shared contract run against the OpenAI adapter (the official
 * SDK against the Chat Completions fake) and against the engine tests' in-memory double; then what
 * only the adapter can show (the wire request, credentials, SSE error objects, latency).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../time/clock.js';
import {
  CONTRACT_TIMEOUT_MS,
  describeLlmContract,
  type ContractReply,
} from '../testing/contracts/llm-contract.js';
import {
  startOpenAiFake,
  type OpenAiFake,
  type OpenAiFakeReply,
  type OpenAiFakeScript,
} from '../testing/fakes/openai-fake.js';
import { ScriptedLlm, tokens, type LlmStep } from '../testing/memory-providers.js';
import { OpenAiLlm, type OpenAiLlmConfig } from './openai/openai-llm.js';
import type { ChatMessage, LlmEvent, LlmRequest, ToolSpec } from './types.js';

/** A contract reply as the fake scripts it: the role chunk leaves with the first token. */
function fakeReply(r: ContractReply): OpenAiFakeReply {
  const f = r.failure;
  return {
    ...(r.text !== undefined ? { text: r.text } : {}),
    ...(r.toolCalls ? { toolCalls: r.toolCalls } : {}),
    ...(f?.type === 'status' ? { failure: f } : {}),
    ...(f && f.type !== 'status'
      ? { failure: { type: f.type, afterChunks: f.afterTokens && f.afterTokens + 1 } }
      : {}),
  };
}

/** The same reply as the double's script. */
function doubleSteps(r: ContractReply): LlmStep[] {
  const f = r.failure;
  if (f?.type === 'status') return [{ status: f.status }];
  const words = tokens(r.text ?? '', 5);
  const calls: LlmStep[] = r.toolCalls
    ? [
        {
          toolCalls: r.toolCalls.map((c) => ({
            id: c.id,
            name: c.name,
            arguments: JSON.stringify(c.arguments),
          })),
        },
      ]
    : [];
  if (!f) return [...words, ...calls];
  const kept = words.slice(0, f.afterTokens * 2); // each token is a delay and a text step
  return [...kept, f.type === 'stall' ? { hang: true } : { cut: true }];
}

describeLlmContract('OpenAiLlm against the OpenAI fake', async () => {
  const f = await startOpenAiFake({ replies: [], firstTokenMs: 20, interTokenMs: 5 });
  const llm = new OpenAiLlm({
    apiKey: f.apiKey,
    baseUrl: f.url,
    timeoutMs: CONTRACT_TIMEOUT_MS,
    idleTimeoutMs: CONTRACT_TIMEOUT_MS,
  });
  return {
    llm,
    script: (...replies) => f.enqueue(...replies.map(fakeReply)),
    requests: () => f.requests.length,
    close: () => f.close(),
  };
});

describeLlmContract("ScriptedLlm (the engine tests' double)", async () => {
  const llm = new ScriptedLlm(systemClock, [], [{ text: 'Okay.' }], {
    firstTokenMs: CONTRACT_TIMEOUT_MS,
    idleMs: CONTRACT_TIMEOUT_MS,
  });
  return {
    llm,
    script: (...replies) => llm.enqueue(...replies.map(doubleSteps)),
    requests: () => llm.requests.length,
    close: () => Promise.resolve(),
  };
});

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

describe('OpenAiLlm on the wire (adapter only)', () => {
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

  it('leaving the for-await early also cancels the request', async () => {
    const llm = await start({ replies: [{ text: 'a b c d e f g h', interTokenMs: 50 }] });
    for await (const e of llm.stream(request([{ role: 'user', content: 'x' }]))) {
      if (e.type === 'text') break;
    }
    // The server sees the client go away long before the 10-word reply could finish (500 ms).
    await waitFor(() => fake!.requests[0]!.clientClosedEarly);
  });

  it('a wrong key is auth_failed; a missing key is auth_failed without a request', async () => {
    const llm = await start({ replies: [] }, { apiKey: 'wrong' });
    await expect(collect(llm.stream(request([])))).rejects.toMatchObject({ code: 'auth_failed' });
    const none = new OpenAiLlm({ apiKey: undefined, baseUrl: fake!.url });
    await expect(collect(none.stream(request([])))).rejects.toMatchObject({ code: 'auth_failed' });
    expect(fake!.requests).toHaveLength(0); // the 401 was refused before the body was recorded
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

  it('honours the scripted first-token latency', async () => {
    const llm = await start({ replies: [{ text: 'hi', firstTokenMs: 250 }] });
    const t0 = Date.now();
    for await (const e of llm.stream(request([]))) {
      if (e.type === 'text') break;
    }
    expect(Date.now() - t0).toBeGreaterThanOrEqual(240);
  });
});
