import { describe, expect, it } from 'vitest';
import { AgentStateMachine, isAllowedTransition } from './agent-state.js';

describe('AgentStateMachine', () => {
  it('moves along the table and reports each change once', () => {
    const seen: string[] = [];
    const sm = new AgentStateMachine((s, from) => seen.push(`${from}->${s}`));
    expect(sm.transition('thinking')).toBe(true);
    expect(sm.transition('thinking')).toBe(false);
    expect(sm.transition('speaking')).toBe(true);
    expect(sm.transition('listening')).toBe(true);
    expect(sm.transition('ended')).toBe(true);
    expect(sm.transition('listening')).toBe(false);
    expect(sm.state).toBe('ended');
    expect(seen).toEqual([
      'listening->thinking',
      'thinking->speaking',
      'speaking->listening',
      'listening->ended',
    ]);
  });
  it('nothing leaves ended', () => {
    for (const s of ['listening', 'thinking', 'speaking'] as const)
      expect(isAllowedTransition('ended', s)).toBe(false);
  });
});
