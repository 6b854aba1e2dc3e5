import { describe, expect, it } from 'vitest';
import {
  AgentPanel,
  applyLiveEvent,
  emptyPanel,
  type EventSourceLike,
  type MessageEventLike,
} from './agent-panel.js';

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
});
