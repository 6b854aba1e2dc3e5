import { describe, expect, it } from 'vitest';
import { canTransition, ReplyStateMachine, type ReplyPhase } from './reply-state.js';

describe('ReplyStateMachine', () => {
  it('follows a paused-then-resumed reply and reports each move', () => {
    const moves: string[] = [];
    const m = new ReplyStateMachine('thinking', (to, from) => moves.push(`${from}>${to}`));
    for (const p of ['speaking', 'paused', 'thinking', 'speaking', 'done'] as ReplyPhase[])
      expect(m.transition(p)).toBe(true);
    expect(moves).toEqual([
      'thinking>speaking',
      'speaking>paused',
      'paused>thinking',
      'thinking>speaking',
      'speaking>done',
    ]);
    expect(m.ended).toBe(true);
  });

  it.each([
    ['preparing', 'speaking'], // no audio before the turn is committed
    ['preparing', 'paused'],
    ['paused', 'held'],
    ['done', 'speaking'],
    ['interrupted', 'thinking'],
    ['cancelled', 'thinking'],
  ] as [ReplyPhase, ReplyPhase][])('refuses %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
    const m = new ReplyStateMachine(from);
    expect(m.transition(to)).toBe(false);
    expect(m.phase).toBe(from);
  });

  it('a preemptive reply is either adopted (thinking) or cancelled', () => {
    expect(canTransition('preparing', 'thinking')).toBe(true);
    expect(canTransition('preparing', 'cancelled')).toBe(true);
    expect(canTransition('held', 'interrupted')).toBe(true);
    expect(canTransition('paused', 'interrupted')).toBe(true);
  });
});
