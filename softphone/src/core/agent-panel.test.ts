import { describe, expect, it } from 'vitest';
import {
  AgentPanel,
  applyLiveEvent,
  emptyPanel,
  type EventSourceLike,
  type MessageEventLike,
} from './agent-panel.js';
import { ManualTimer } from './testing/manual-timer.js';

class FakeEventSource implements EventSourceLike {
  readyState = 0;
  closed = false;
  private readonly named = new Map<string, (ev: MessageEventLike) => void>();
  constructor(readonly url: string) {}
  addEventListener(type: string, l: (ev: MessageEventLike) => void): void {
    this.named.set(type, l);
  }
  fire(type: string): void {
    this.named.get(type)?.({});
  }
  close(): void {
    this.closed = true;
    this.readyState = 2;
  }
  send(data: unknown, event?: string): void {
    const ev = { data: JSON.stringify(data) };
    this.named.get(event ?? 'message')?.(ev);
  }
}

describe('agent panel', () => {
  it('folds interim and final transcripts, state and turn latency', () => {
    let s = emptyPanel();
    s = applyLiveEvent(s, { type: 'state', state: 'listening' });
    s = applyLiveEvent(s, { type: 'transcript', role: 'user', text: 'where is', final: false });
    s = applyLiveEvent(s, { type: 'transcript', role: 'user', text: 'where is my order', final: true });
    s = applyLiveEvent(s, { type: 'state', state: 'thinking' });
    s = applyLiveEvent(s, { type: 'transcript', role: 'agent', text: 'Let me check.', final: true });
    s = applyLiveEvent(s, {
      type: 'turn',
      turn: {
        index: 0,
        userText: 'where is my order',
        interrupted: false,
        timings: { voiceToVoiceMs: 812, llmTtftMs: 301 },
      },
    });
    expect(s.status).toBe('live');
    expect(s.agentState).toBe('thinking');
    expect(s.transcript).toEqual([
      { role: 'user', text: 'where is my order', final: true },
      { role: 'agent', text: 'Let me check.', final: true },
    ]);
    expect(s.turns).toEqual([
      { index: 0, userText: 'where is my order', interrupted: false, voiceToVoiceMs: 812, llmTtftMs: 301 },
    ]);
    expect(applyLiveEvent(s, { type: 'state', state: 'bogus' })).toBe(s);
  });

  it('subscribes to the URL, accepts named SSE events, and closes when the call ends', () => {
    let src: FakeEventSource | undefined;
    const panel = new AgentPanel(
      'http://127.0.0.1:16080/api/calls/abc/events',
      (url) => (src = new FakeEventSource(url)),
    );
    const seen: string[] = [];
    panel.changes.on((s) => seen.push(`${s.status}:${s.agentState ?? '-'}`));
    panel.open();
    expect(src!.url).toBe('http://127.0.0.1:16080/api/calls/abc/events');
    src!.send({ state: 'speaking' }, 'state');
    src!.send({ type: 'transcript', role: 'agent', text: 'Hello', final: true });
    src!.send('not json at all');
    src!.send({ type: 'state', state: 'ended' });
    expect(seen).toEqual(['live:speaking', 'live:speaking', 'ended:ended']);
    expect(src!.closed).toBe(true);
    expect(panel.current.transcript).toEqual([{ role: 'agent', text: 'Hello', final: true }]);
  });

  it('reports unavailable when the far end is not an agent (EventSource closes before any event)', () => {
    let src: FakeEventSource | undefined;
    const panel = new AgentPanel('http://x/api/calls/y/events', (url) => (src = new FakeEventSource(url)));
    panel.open();
    src!.readyState = 2;
    src!.fire('error');
    expect(panel.current.status).toBe('unavailable');
  });

  it('retries a 404 while the agent has not seen the call yet (fork connects after the answer), then goes live', async () => {
    const timer = new ManualTimer();
    const made: FakeEventSource[] = [];
    const panel = new AgentPanel(
      'http://x/api/calls/y/events',
      (url) => made[made.push(new FakeEventSource(url)) - 1]!,
      { timer, delaysMs: [250, 500] },
    );
    panel.open();
    made[0]!.readyState = 2;
    made[0]!.fire('error');
    expect(panel.current.status).toBe('connecting');
    await timer.advance(249);
    expect(made).toHaveLength(1);
    await timer.advance(1);
    expect(made).toHaveLength(2);
    made[1]!.send({ type: 'state', state: 'listening' });
    expect(panel.current).toMatchObject({ status: 'live', agentState: 'listening' });
  });

  it('gives up after the last retry delay and reports unavailable; close() cancels a pending retry', async () => {
    const timer = new ManualTimer();
    const made: FakeEventSource[] = [];
    const factory = (url: string) => made[made.push(new FakeEventSource(url)) - 1]!;
    const panel = new AgentPanel('http://x/e', factory, { timer, delaysMs: [100] });
    panel.open();
    made[0]!.readyState = 2;
    made[0]!.fire('error');
    await timer.advance(100);
    made[1]!.readyState = 2;
    made[1]!.fire('error');
    expect(panel.current.status).toBe('unavailable');
    expect(timer.pending()).toBe(0);

    const other = new AgentPanel('http://x/e', factory, { timer, delaysMs: [100] });
    other.open();
    made[2]!.readyState = 2;
    made[2]!.fire('error');
    other.close();
    await timer.advance(1000);
    expect(made).toHaveLength(3);
  });

  it("finish(): waits for the agent's end for a grace period, else closes and shows the call ended", async () => {
    const timer = new ManualTimer();
    const made: FakeEventSource[] = [];
    const factory = (url: string) => made[made.push(new FakeEventSource(url)) - 1]!;
    const panel = new AgentPanel('http://x/e', factory, { timer });
    panel.open();
    made[0]!.send({ type: 'state', state: 'speaking' });
    panel.finish(3000);
    made[0]!.send({ type: 'transcript', role: 'agent', text: 'Goodbye.', final: true });
    expect(panel.current).toMatchObject({ status: 'live', agentState: 'speaking' });
    await timer.advance(3000);
    expect(made[0]!.closed).toBe(true);
    expect(panel.current).toMatchObject({ status: 'ended', agentState: 'ended' });
    expect(panel.current.transcript.at(-1)?.text).toBe('Goodbye.');

    const quick = new AgentPanel('http://x/e', factory, { timer });
    quick.open();
    quick.finish(3000);
    made[1]!.send({ type: 'end', reason: 'call_ended' });
    expect(quick.current.status).toBe('ended');
    expect(timer.pending()).toBe(0);

    const never = new AgentPanel('http://x/e', factory, { timer, delaysMs: [500] });
    never.open();
    made[2]!.readyState = 2;
    made[2]!.fire('error');
    never.finish();
    await timer.advance(5000);
    expect(made).toHaveLength(3);
    expect(never.current.status).toBe('unavailable');
  });
});
