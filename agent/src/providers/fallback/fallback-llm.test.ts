import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../time/clock.js';
import { settle } from '../../testing/conversation-harness.js';
import { ScriptedLlm, tokens, type LlmScript } from '../../testing/memory-providers.js';
import { ProviderError } from '../errors.js';
import type { LlmEvent, LlmRequest } from '../types.js';
import { FallbackLlm, type LlmRoute } from './fallback-llm.js';
import type { ProviderFault } from './fallback-types.js';
import { RouteHealth } from './route-health.js';

function setup(scripts: LlmScript[][], o: { budgetMs?: number; attemptTimeoutMs?: number } = {}) {
  const clock = new ManualClock();
  const llms = scripts.map((s, i) => {
    const llm = new ScriptedLlm(clock, s, [{ text: 'fallback reply' }]);
    Object.defineProperty(llm, 'name', { value: `llm${i}` });
    return llm;
  });
  const routes: LlmRoute[] = llms.map((provider, i) => ({
    provider,
    ...(i > 0 ? { model: `model-${i}` } : {}),
    label: `route${i}`,
  }));
  const faults: ProviderFault[] = [];
  const health = new RouteHealth(clock, 30_000);
  const llm = new FallbackLlm({
    routes,
    clock,
    health,
    budgetMs: o.budgetMs ?? 2000,
    attemptTimeoutMs: o.attemptTimeoutMs ?? 1000,
    maxAttempts: 3,
    minAttemptMs: 300,
    retryDelayMs: 100,
    onFault: (f) => faults.push(f),
  });
  return { clock, llms, llm, faults, health };
}

function request(signal = new AbortController().signal, extra: Partial<LlmRequest> = {}): LlmRequest {
  return { model: 'primary-model', messages: [{ role: 'user', content: 'hi' }], tools: [], signal, ...extra };
}

/** Consume the stream while the manual clock runs in 10 ms steps; the outcome and when it settled. */
async function run(clock: ManualClock, stream: AsyncIterable<LlmEvent>, maxMs = 10_000) {
  const events: LlmEvent[] = [];
  let error: unknown;
  let doneAt: number | undefined;
  const t0 = clock.now();
  const task = (async () => {
    try {
      for await (const e of stream) events.push(e);
    } catch (err) {
      error = err;
    }
    doneAt = clock.now() - t0;
  })();
  for (let t = 0; t < maxMs && doneAt === undefined; t += 10) {
    await settle();
    clock.advance(10);
  }
  await task;
  const text = events.flatMap((e) => (e.type === 'text' ? [e.text] : [])).join('');
  return { events, text, error, doneAt: doneAt! };
}

describe('FallbackLlm', () => {
  it('429 then 200 on a lone route: retried once, the answer streams, the fault is reported', async () => {
    const { clock, llms, llm, faults } = setup([[[{ status: 429 }], tokens('Here you are.')]]);
    const r = await run(clock, llm.stream(request()));
    expect(r.error).toBeUndefined();
    expect(r.text).toBe('Here you are.');
    expect(llms[0]!.requests).toHaveLength(2);
    expect(faults).toEqual([
      { stage: 'llm', code: 'rate_limited', action: 'retried', from: 'route0', to: 'route0' },
    ]);
  });

  it('a 500 on the primary falls back to the next route and its model', async () => {
    const { clock, llms, llm, faults } = setup([[[{ status: 500 }]], [tokens('From the fallback.')]]);
    const r = await run(clock, llm.stream(request()));
    expect(r.text).toBe('From the fallback.');
    expect(llms[0]!.requests.map((q) => q.model)).toEqual(['primary-model']);
    expect(llms[1]!.requests.map((q) => q.model)).toEqual(['model-1']);
    expect(faults[0]).toMatchObject({
      action: 'fell_back',
      code: 'server_error',
      from: 'route0',
      to: 'route1',
    });
  });

  it('a first token that does not come within the attempt timeout is retried inside the budget', async () => {
    const { clock, llms, llm, faults } = setup([
      [[{ hang: true }], [{ delayMs: 50 }, ...tokens('Late but here.')]],
    ]);
    const r = await run(clock, llm.stream(request()));
    expect(r.text).toBe('Late but here.');
    expect(llms[0]!.requestTimes).toEqual([0, 1100]); // 1000 ms attempt, 100 ms pause
    expect(llms[0]!.aborted).toBe(1);
    expect(faults[0]).toMatchObject({ code: 'timeout', action: 'retried' });
  });

  it('every attempt stalling ends in a timeout when the budget is spent, not later', async () => {
    const { clock, llm, faults } = setup([[[{ hang: true }], [{ hang: true }], [{ hang: true }]]]);
    const r = await run(clock, llm.stream(request()));
    expect(r.error).toBeInstanceOf(ProviderError);
    expect(r.error).toMatchObject({ code: 'timeout', retryable: true });
    expect(r.doneAt).toBeGreaterThanOrEqual(1900);
    expect(r.doneAt).toBeLessThanOrEqual(2010);
    expect(faults.at(-1)).toMatchObject({ action: 'gave_up', code: 'timeout' });
  });

  it('the request budget (from the end of the caller speech) bounds the attempts', async () => {
    const { clock, llm } = setup([[[{ hang: true }], [{ hang: true }]]]);
    const r = await run(clock, llm.stream(request(undefined, { firstTokenBudgetMs: 700 })));
    expect(r.error).toMatchObject({ code: 'timeout' });
    expect(r.doneAt).toBeLessThanOrEqual(710);
  });

  it('a failure after the first token is not retried: the caller already heard that reply', async () => {
    const broken = [...tokens('Half a'), { error: new ProviderError('llm', 'server_error', 'boom', true) }];
    const { clock, llms, llm, faults } = setup([[broken], [tokens('never')]]);
    const r = await run(clock, llm.stream(request()));
    expect(r.text).toBe('Half a');
    expect(r.error).toMatchObject({ code: 'server_error' });
    expect(llms[1]!.requests).toHaveLength(0);
    expect(faults).toEqual([]);
  });

  it('a non-retryable failure is not retried on the same route, but another route is tried', async () => {
    const lone = setup([[[{ status: 400 }]]]);
    const r1 = await run(lone.clock, lone.llm.stream(request()));
    expect(r1.error).toMatchObject({ code: 'bad_response', retryable: false });
    expect(lone.llms[0]!.requests).toHaveLength(1);

    const two = setup([[[{ status: 401 }]], [tokens('Secondary works.')]]);
    const r2 = await run(two.clock, two.llm.stream(request()));
    expect(r2.text).toBe('Secondary works.');
    expect(two.faults[0]).toMatchObject({ code: 'auth_failed', action: 'fell_back' });
  });

  it("the caller's cancel ends it quietly and stops further attempts", async () => {
    const { clock, llms, llm } = setup([[[{ hang: true }], tokens('unused')]]);
    const ac = new AbortController();
    clock.setTimeout(() => ac.abort(), 500);
    const r = await run(clock, llm.stream(request(ac.signal)));
    expect(r.error).toBeUndefined();
    expect(r.events).toEqual([]);
    expect(llms[0]!.requests).toHaveLength(1);
  });

  it('a route that failed is skipped by the next request until its cooldown ends', async () => {
    const { clock, llms, llm } = setup([
      [[{ status: 503 }], tokens('primary back')],
      [tokens('one'), tokens('two')],
    ]);
    expect((await run(clock, llm.stream(request()))).text).toBe('one');
    expect((await run(clock, llm.stream(request()))).text).toBe('two');
    expect(llms[0]!.requests).toHaveLength(1);
    clock.advance(30_000);
    expect((await run(clock, llm.stream(request()))).text).toBe('primary back');
  });
});
