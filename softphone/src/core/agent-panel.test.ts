import { describe, expect, it } from 'vitest';
import {
  AgentPanel,
  type AgentEndpoints,
  type EventSourceLike,
  type FetchLike,
  type MessageEventLike,
} from './agent-panel.js';
import { flush, ManualTimer } from './testing/manual-timer.js';

/** Like the browser's: listeners per type, readyState 0 connecting / 1 open / 2 closed. */
class FakeEventSource implements EventSourceLike {
  readyState = 0;
  closed = false;
  private readonly listeners = new Map<string, ((ev: MessageEventLike) => void)[]>();
  constructor(readonly url: string) {}
  addEventListener(type: string, l: (ev: MessageEventLike) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), l]);
  }
  fire(type: string, ev: MessageEventLike = {}): void {
    for (const l of this.listeners.get(type) ?? []) l(ev);
  }
  opened(): void {
    this.readyState = 1;
    this.fire('open');
  }
  /** The server answered with an HTTP error: EventSource fails for good. */
  failed(): void {
    this.readyState = 2;
    this.fire('error');
  }
  close(): void {
    this.closed = true;
    this.readyState = 2;
  }
  send(data: unknown, event?: string): void {
    this.fire(event ?? 'message', { data: typeof data === 'string' ? data : JSON.stringify(data) });
  }
}

/** The record endpoint: answers what `reply` says (a status and body), or fails like an unreachable host. */
function fakeApi(reply: () => { status: number; body?: unknown } | 'unreachable') {
  const requests: { url: string; headers: Record<string, string> }[] = [];
  const fetch: FetchLike = async (url, init) => {
    requests.push({ url, headers: init.headers });
    const r = reply();
    if (r === 'unreachable') throw new TypeError('Failed to fetch');
    return { status: r.status, json: async () => r.body };
  };
  return { fetch, requests };
}

const ENDPOINTS: AgentEndpoints = {
  events: 'http://agent/api/calls/c1/events',
  record: 'http://agent/api/calls/c1',
};

function setup(reply: Parameters<typeof fakeApi>[0], endpoints = ENDPOINTS, delaysMs = [250, 500]) {
  const timer = new ManualTimer();
  const made: FakeEventSource[] = [];
  const api = fakeApi(reply);
  const panel = new AgentPanel({
    endpoints,
    createSource: (url) => made[made.push(new FakeEventSource(url)) - 1]!,
    fetch: api.fetch,
    timer,
    delaysMs,
  });
  panel.open();
  return { panel, made, timer, api, src: () => made.at(-1)! };
}

const RECORD = {
  call: {
    endReason: 'caller_hangup',
    endedAt: '2026-01-01T00:00:09.000Z',
    turns: [
      {
        index: 0,
        userText: '',
        agentText: 'Hello.',
        interrupted: false,
        toolCalls: [],
        timings: { ttsTtfbMs: 80 },
      },
    ],
  },
};

describe('agent panel connection', () => {
  it('goes live on open, folds named and plain events, and ends on `end`', () => {
    const { panel, src } = setup(() => ({ status: 404 }));
    src().opened();
    expect(panel.current.status).toBe('live');
    src().send({ state: 'speaking' }, 'state');
    src().send({ type: 'transcript', role: 'agent', text: 'Hello.', final: true });
    src().send('not json at all');
    src().send({ type: 'record', call: RECORD.call }, 'record');
    src().send({ type: 'end', reason: 'call_ended' }, 'end');
    expect(panel.current.status).toBe('ended');
    expect(panel.current.timeline).toMatchObject({ recorded: true, call: { endReason: 'caller_hangup' } });
    expect(panel.current.timeline.turns.map((t) => t.agentText)).toEqual(['Hello.']);
    expect(src().closed).toBe(true);
  });

  it('retries a 404 (the fork connects after the answer), then reports the far end as no agent', async () => {
    const { panel, made, timer } = setup(() => ({ status: 404 }));
    made[0]!.failed();
    await flush();
    expect(panel.current.status).toBe('connecting');
    await timer.advance(250);
    expect(made).toHaveLength(2);
    made[1]!.failed();
    await flush();
    await timer.advance(500);
    made[2]!.failed();
    await flush();
    expect(panel.current.status).toBe('unavailable');
    expect(timer.pending()).toBe(0);
  });

  it('says the agent needs a token (401) and stops trying; with a token, says it was refused', async () => {
    const { panel, made, timer, api } = setup(() => ({ status: 401 }));
    made[0]!.failed();
    await flush();
    expect(panel.current).toMatchObject({
      status: 'unauthorized',
      problem: expect.stringMatching(/needs an API token/),
    });
    await timer.advance(10_000);
    expect(made).toHaveLength(1);
    expect(api.requests[0]!.headers).toEqual({});

    const withToken = setup(() => ({ status: 401 }), { ...ENDPOINTS, token: 'tok-1' });
    withToken.made[0]!.failed();
    await flush();
    expect(withToken.panel.current.problem).toMatch(/refused the API token/);
    expect(withToken.api.requests[0]!.headers).toEqual({ authorization: 'Bearer tok-1' });
  });

  it('says it cannot connect when the agent is unreachable, and recovers when the stream opens', async () => {
    let reachable = false;
    const { panel, src } = setup(() => (reachable ? { status: 404 } : 'unreachable'));
    src().fire('error'); // EventSource keeps reconnecting by itself (readyState 0)
    await flush();
    expect(panel.current.status).toBe('unreachable');
    expect(panel.current.problem).toMatch(/Cannot connect to the agent at http:\/\/agent/);
    reachable = true;
    src().opened();
    expect(panel.current.status).toBe('live');
    expect(panel.current.problem).toBeUndefined();
    src().readyState = 0;
    reachable = false;
    src().fire('error');
    await flush();
    expect(panel.current).toMatchObject({ status: 'live', problem: expect.stringMatching(/reconnecting/) });
  });

  it('after our hang-up, waits for the agent’s record, else fetches /api/calls/:id and shows it', async () => {
    const { panel, src, timer, api } = setup(() => ({ status: 200, body: RECORD }), {
      ...ENDPOINTS,
      token: 't',
    });
    src().opened();
    src().send({ type: 'state', state: 'speaking' });
    panel.finish(3000);
    expect(panel.current.status).toBe('live');
    await timer.advance(3000);
    await flush();
    expect(api.requests).toEqual([{ url: ENDPOINTS.record, headers: { authorization: 'Bearer t' } }]);
    expect(panel.current.status).toBe('ended');
    expect(panel.current.timeline.recorded).toBe(true);
    expect(panel.current.timeline.turns[0]!.timings).toEqual({ ttsTtfbMs: 80 });
    expect(src().closed).toBe(true);
  });

  it('a call the API knows but is still live (fork connected meanwhile) is retried, not shown as ended', async () => {
    const { panel, made, timer } = setup(() => ({
      status: 200,
      body: { call: { ...RECORD.call, live: true } },
    }));
    made[0]!.failed();
    await flush();
    expect(panel.current.status).toBe('connecting');
    expect(panel.current.timeline.recorded).toBe(false);
    await timer.advance(250);
    made[1]!.opened();
    made[1]!.send({ type: 'state', state: 'listening' });
    expect(panel.current).toMatchObject({ status: 'live', timeline: { activity: 'listening' } });
  });

  it('close() cancels a pending retry', async () => {
    const { panel, made, timer } = setup(() => ({ status: 404 }));
    made[0]!.failed();
    await flush();
    panel.close();
    await timer.advance(5000);
    expect(made).toHaveLength(1);
  });
});
