import { describe, expect, it } from 'vitest';
import { applyAgentEvent, emptyTimeline, latencySegments, type AgentTimeline } from './agent-timeline.js';

const fold = (events: unknown[], from: AgentTimeline = emptyTimeline()) =>
  events.reduce(applyAgentEvent, from);
const user = (text: string, final = true) => ({ type: 'transcript', role: 'user', text, final });
const agent = (text: string) => ({ type: 'transcript', role: 'agent', text, final: true });
const state = (s: string) => ({ type: 'state', state: s });
const turn = (index: number, userText: string, agentText: string, extra: object = {}) => ({
  type: 'turn',
  turn: { index, userText, agentText, interrupted: false, toolCalls: [], timings: {}, ...extra },
});
const view = (t: AgentTimeline) =>
  t.turns.map((e) => [e.index ?? null, e.kind, e.userText, e.userFinal, e.agentText, e.interrupted]);

const ASKED = 'I would like to check the status of my order';
const REPLY = 'Your order shipped yesterday.';

describe('agent timeline: one entry per turn', () => {
  it('keeps one entry per turn whatever the stream repeats (segment finals, the turn text, a late final, the record)', () => {
    const greeting = fold([state('listening'), state('speaking'), turn(0, '', 'Hello.'), agent('Hello.')]);
    expect(view(greeting)).toEqual([[0, 'agent', '', true, 'Hello.', false]]);

    const speaking = fold(
      [state('listening'), user('I would', false), user('I would like to check', false)],
      greeting,
    );
    expect(view(speaking).at(-1)).toEqual([null, 'speech', 'I would like to check', false, '', false]);
    const key = speaking.turns.at(-1)!.key;

    const asked = fold(
      [
        user('I would like to check the status'),
        user('of my', false),
        user('of my order'),
        user(ASKED), // the turn's own final repeats the segments
        state('thinking'),
        user(ASKED), // a late STT final of the same words
        state('speaking'),
        turn(1, ASKED, REPLY, { timings: { voiceToVoiceMs: 800, llmTtftMs: 300 } }),
        agent(REPLY),
        turn(1, ASKED, REPLY), // repeated turn report
      ],
      speaking,
    );
    expect(view(asked)).toEqual([
      [0, 'agent', '', true, 'Hello.', false],
      [1, 'speech', ASKED, true, REPLY, false],
    ]);
    expect(asked.turns[1]!.key).toBe(key); // the entry the user saw forming is the one that became turn 1

    const recorded = applyAgentEvent(asked, {
      type: 'record',
      call: {
        endReason: 'caller_hangup',
        endedAt: '2026-01-01T00:00:10.000Z',
        turns: [turn(0, '', 'Hello.').turn, turn(1, ASKED, REPLY).turn],
      },
    });
    expect(view(recorded)).toEqual(view(asked));
    expect(recorded).toMatchObject({
      recorded: true,
      activity: 'ended',
      call: { endReason: 'caller_hangup' },
    });
  });

  it('shows a second utterance after a committed turn as a new entry, interim until final', () => {
    const t = fold([
      user('hello'),
      state('thinking'),
      state('speaking'),
      turn(0, 'hello', 'Hi.'),
      user('and', false),
    ]);
    expect(view(t)).toEqual([
      [0, 'speech', 'hello', true, 'Hi.', false],
      [null, 'speech', 'and', false, '', false],
    ]);
  });

  it('puts the greeting before speech that started while it played, and marks an interrupted reply', () => {
    const t = fold([
      state('speaking'),
      user('wait', false),
      turn(0, '', 'Hello, thanks for calling Acme', { interrupted: true }),
      user('wait a moment'),
      state('thinking'),
      turn(1, 'wait a moment', 'Sure.'),
    ]);
    expect(view(t)).toEqual([
      [0, 'agent', '', true, 'Hello, thanks for calling Acme', true],
      [1, 'speech', 'wait a moment', true, 'Sure.', false],
    ]);
  });

  it('collects DTMF digits into their turn, and attaches tools and errors to the turn being worked on', () => {
    const t = fold([
      { type: 'dtmf', digit: '4' },
      { type: 'dtmf', digit: '2' },
      { type: 'dtmf', digit: '#' },
      { type: 'dtmf', digit: 'x' }, // not a DTMF digit
      state('thinking'),
      { type: 'tool', name: 'lookup_order', arguments: '{"order":"42"}', result: '{"status":"shipped"}' },
    ]);
    expect(t.activeTool).toBe('lookup_order');
    expect(view(t)).toEqual([[null, 'dtmf', '42#', true, '', false]]);
    expect(t.turns[0]!.tools).toEqual([
      { name: 'lookup_order', arguments: '{"order":"42"}', result: '{"status":"shipped"}' },
    ]);
    const done = fold(
      [
        { type: 'error', stage: 'tts', code: 'timeout' },
        state('speaking'),
        turn(0, '[DTMF] 42#', 'Order 42 shipped.', {
          toolCalls: [{ name: 'lookup_order', arguments: '{"order":"42"}', result: '{"status":"shipped"}' }],
          timings: { llmTtftMs: 200 },
        }),
      ],
      t,
    );
    expect(done.activeTool).toBeUndefined();
    expect(view(done)).toEqual([[0, 'dtmf', '42#', true, 'Order 42 shipped.', false]]);
    expect(done.turns[0]!.tools).toHaveLength(1);
    expect(done.turns[0]!.errors).toEqual([{ stage: 'tts', code: 'timeout' }]);
    expect(done.turns[0]!.timings).toEqual({ llmTtftMs: 200 });
  });

  it('ignores malformed and unknown events (same object back)', () => {
    const t = fold([user('hi')]);
    for (const bad of [
      null,
      'x',
      { type: 'nope' },
      state('bogus'),
      { type: 'turn', turn: { index: 'a' } },
      user('  '),
    ])
      expect(applyAgentEvent(t, bad)).toBe(t);
  });

  it('lays the latency stages end to end on a timeline that ends at voice-to-voice', () => {
    expect(
      latencySegments({
        endOfUtteranceDelayMs: 300,
        sttDelayMs: 150,
        llmTtftMs: 250,
        ttsTtfbMs: 90,
        voiceToVoiceMs: 700,
      }),
    ).toEqual([
      { stage: 'end of turn', fromMs: 0, toMs: 300 },
      { stage: 'LLM', fromMs: 300, toMs: 550 },
      { stage: 'TTS', fromMs: 550, toMs: 640 },
      { stage: 'other', fromMs: 640, toMs: 700 },
    ]);
    expect(latencySegments({})).toEqual([]);
  });
});
