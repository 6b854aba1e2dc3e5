/** The agent's conversational state: one table of allowed moves, one transition() that checks it. */
import type { AgentState } from './call-record.js';

const ALLOWED: Record<AgentState, readonly AgentState[]> = {
  listening: ['thinking', 'speaking', 'ended'],
  thinking: ['listening', 'speaking', 'ended'],
  speaking: ['listening', 'thinking', 'ended'],
  ended: [],
};

export class AgentStateMachine {
  private current: AgentState = 'listening';

  constructor(private readonly onChange: (state: AgentState, from: AgentState) => void) {}

  get state(): AgentState {
    return this.current;
  }

  /** Moves to `to` if the table allows it; staying put or a move out of `ended` is a no-op. */
  transition(to: AgentState): boolean {
    if (to === this.current) return false;
    if (!ALLOWED[this.current].includes(to)) return false;
    const from = this.current;
    this.current = to;
    this.onChange(to, from);
    return true;
  }
}

export function isAllowedTransition(from: AgentState, to: AgentState): boolean {
  return ALLOWED[from].includes(to);
}
