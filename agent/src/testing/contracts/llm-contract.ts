/**
 * The LLM contract (providers/types.ts LlmProvider) as one suite, run against the OpenAI adapter on
 * the wire-faithful fake and against the in-memory double the engine tests use, so the double can
 * never be kinder than the adapter. Test-only.
 */
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../providers/errors.js';
import type { LlmEvent, LlmProvider, LlmRequest } from '../../providers/types.js';

export interface ContractReply {
  text?: string;
  toolCalls?: { id: string; name: string; arguments: Record<string, unknown> }[];
  failure?:
    | { type: 'status'; status: number }
    /** Stop sending after this many text tokens (0: before the first token). */
    | { type: 'stall'; afterTokens: number }
    /** The connection breaks after this many text tokens. */
    | { type: 'cut'; afterTokens: number };
}

export interface LlmSubject {
  llm: LlmProvider;
  /** Replies for the next requests, in order. */
  script(...replies: ContractReply[]): void;
  /** Requests the vendor side received so far. */
  requests(): number;
  close(): Promise<void>;
}

/** The subject's own first-token and idle timeouts, ms (each suite configures it with this). */
export const CONTRACT_TIMEOUT_MS = 400;

function request(signal = new AbortController().signal): LlmRequest {
  return {
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'hello' }],
    tools: [
      { name: 'transfer_call', description: 'transfer', parameters: { type: 'object', properties: {} } },
    ],
    signal,
  };
}

async function collect(stream: AsyncIterable<LlmEvent>): Promise<{ events: LlmEvent[]; error: unknown }> {
  const events: LlmEvent[] = [];
  try {
    for await (const e of stream) events.push(e);
    return { events, error: undefined };
  } catch (error) {
    return { events, error };
  }
}

const textOf = (events: LlmEvent[]) => events.flatMap((e) => (e.type === 'text' ? [e.text] : [])).join('');

export function describeLlmContract(name: string, make: () => Promise<LlmSubject>): void {
  describe(`LLM contract: ${name}`, () => {
    const withSubject = (fn: (s: LlmSubject) => Promise<void>) => async () => {
      const s = await make();
      try {
        await fn(s);
      } finally {
        await s.close();
      }
    };

    it(
      'streams the text in order, reports usage, and ends with done',
      withSubject(async (s) => {
        s.script({ text: 'Sure, I can help with that booking.' });
        const { events, error } = await collect(s.llm.stream(request()));
        expect(error).toBeUndefined();
        expect(textOf(events)).toBe('Sure, I can help with that booking.');
        expect(events.filter((e) => e.type === 'text').length).toBeGreaterThan(3);
        const usage = events.findIndex((e) => e.type === 'usage');
        expect(usage).toBeGreaterThan(0);
        expect(events[usage]).toMatchObject({
          usage: { promptTokens: expect.any(Number), completionTokens: expect.any(Number) },
        });
        expect(events.at(-1)).toEqual({ type: 'done', finishReason: 'stop' });
      }),
    );

    it(
      'announces a tool call when it starts and lists it complete at the end',
      withSubject(async (s) => {
        s.script({ toolCalls: [{ id: 'call_1', name: 'transfer_call', arguments: { target: 'sales' } }] });
        const { events } = await collect(s.llm.stream(request()));
        const started = events.findIndex((e) => e.type === 'tool_call_started');
        const calls = events.findIndex((e) => e.type === 'tool_calls');
        expect(events[started]).toEqual({ type: 'tool_call_started', id: 'call_1', name: 'transfer_call' });
        expect(calls).toBeGreaterThan(started);
        const list = events[calls] as Extract<LlmEvent, { type: 'tool_calls' }>;
        expect(list.calls.map((c) => [c.id, c.name, JSON.parse(c.arguments)])).toEqual([
          ['call_1', 'transfer_call', { target: 'sales' }],
        ]);
        expect(events.at(-1)).toEqual({ type: 'done', finishReason: 'tool_calls' });
      }),
    );

    it(
      "the caller's abort mid-stream ends it quietly: no throw, no done",
      withSubject(async (s) => {
        s.script({ text: 'one two three four five six seven eight nine ten eleven twelve' });
        const ac = new AbortController();
        const events: LlmEvent[] = [];
        for await (const e of s.llm.stream(request(ac.signal))) {
          events.push(e);
          if (events.length === 2) ac.abort();
        }
        expect(events).toHaveLength(2);
      }),
    );

    it(
      "the caller's abort before the first token ends it quietly",
      withSubject(async (s) => {
        s.script({ failure: { type: 'stall', afterTokens: 0 } });
        const ac = new AbortController();
        setTimeout(() => ac.abort(), 50);
        const t0 = Date.now();
        const { events, error } = await collect(s.llm.stream(request(ac.signal)));
        expect(error).toBeUndefined();
        expect(events).toEqual([]);
        expect(Date.now() - t0).toBeLessThan(CONTRACT_TIMEOUT_MS);
      }),
    );

    it(
      'no first token within its timeout is a retryable ProviderError timeout, not a quiet end',
      withSubject(async (s) => {
        s.script({ failure: { type: 'stall', afterTokens: 0 } });
        const t0 = Date.now();
        const { events, error } = await collect(s.llm.stream(request()));
        expect(error).toBeInstanceOf(ProviderError);
        expect(error).toMatchObject({ provider: 'llm', code: 'timeout', retryable: true });
        expect(events.filter((e) => e.type === 'text')).toEqual([]);
        expect(Date.now() - t0).toBeLessThan(CONTRACT_TIMEOUT_MS * 4);
      }),
    );

    it(
      'a stall mid-stream is a retryable ProviderError timeout after the text already delivered',
      withSubject(async (s) => {
        s.script({ text: 'one two three four five', failure: { type: 'stall', afterTokens: 2 } });
        const { events, error } = await collect(s.llm.stream(request()));
        expect(textOf(events)).toBe('one two ');
        expect(error).toMatchObject({ code: 'timeout', retryable: true });
      }),
    );

    it(
      'a connection cut mid-stream is a retryable ProviderError',
      withSubject(async (s) => {
        s.script({ text: 'one two three four five', failure: { type: 'cut', afterTokens: 2 } });
        const { events, error } = await collect(s.llm.stream(request()));
        expect(textOf(events)).toBe('one two ');
        expect(error).toBeInstanceOf(ProviderError);
        expect(error).toMatchObject({ retryable: true });
      }),
    );

    it.each([
      [429, 'rate_limited', true],
      [500, 'server_error', true],
      [503, 'server_error', true],
      [400, 'bad_response', false],
      [401, 'auth_failed', false],
    ])(
      'HTTP %i is ProviderError %s (retryable %s), one request, no retry underneath',
      async (status, code, retryable) => {
        const s = await make();
        try {
          s.script({ failure: { type: 'status', status } }, { text: 'not used' });
          const { error } = await collect(s.llm.stream(request()));
          expect(error).toBeInstanceOf(ProviderError);
          expect(error).toMatchObject({ provider: 'llm', code, retryable });
          expect(s.requests()).toBe(1);
        } finally {
          await s.close();
        }
      },
    );
  });
}
