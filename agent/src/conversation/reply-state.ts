/**
 * The life of one agent reply (a turn on the agent's side), as an explicit state machine: one table
 * of allowed moves and one transition() that checks it (STYLE 7). The call-level AgentState
 * (listening / thinking / speaking) is what listeners see; this is what the engine decides on.
 *
 *   preparing ──commit──▶ thinking ──first audio──▶ speaking ──played out──▶ done
 *       │                  │   ▲                     │   ▲
 *       │             caller speaks  release   caller audio  false interruption
 *       ▼                  ▼   │                     ▼   │
 *   cancelled             held ─────────────────▶ paused
 *                          │  real words              │ real words (min duration + a non-backchannel word)
 *                          └──────────▶ interrupted ◀─┘
 *
 * preparing: the LLM runs on a likely end of the caller's turn (preemptive); nothing is committed
 * and no audio may come out. thinking: committed; LLM or tool pending, nothing audible. speaking:
 * audio is going to the caller. paused: the caller made sound while the agent spoke — playout was
 * killed, the unheard text and in-flight tools are kept until the gate decides. held: the caller
 * spoke while the agent was thinking — the reply goes on but its output is withheld. Terminal:
 * done, interrupted (the caller took the turn, or a newer turn replaced it), cancelled (a discarded
 * preemptive reply, a failure, or the call closed).
 */
export type ReplyPhase =
  'preparing' | 'thinking' | 'speaking' | 'paused' | 'held' | 'done' | 'interrupted' | 'cancelled';

const TRANSITIONS: Record<ReplyPhase, readonly ReplyPhase[]> = {
  preparing: ['thinking', 'cancelled'],
  thinking: ['speaking', 'held', 'done', 'interrupted', 'cancelled'],
  speaking: ['thinking', 'paused', 'held', 'done', 'interrupted', 'cancelled'],
  paused: ['speaking', 'thinking', 'done', 'interrupted', 'cancelled'],
  held: ['thinking', 'speaking', 'done', 'interrupted', 'cancelled'],
  done: [],
  interrupted: [],
  cancelled: [],
};

export function isTerminal(phase: ReplyPhase): boolean {
  return TRANSITIONS[phase].length === 0;
}

export function canTransition(from: ReplyPhase, to: ReplyPhase): boolean {
  return TRANSITIONS[from].includes(to);
}

/**
 * What listeners see of the active reply's phase (the call-level AgentState): one mapping, so the two
 * never disagree. Audible → speaking; the caller holds the floor (paused, held) or the reply is over →
 * listening; back to thinking when a held or paused reply resumes.
 */
export function agentStateFor(phase: ReplyPhase): 'listening' | 'thinking' | 'speaking' {
  if (phase === 'speaking') return 'speaking';
  if (phase === 'thinking') return 'thinking';
  return 'listening';
}

export class ReplyStateMachine {
  private current: ReplyPhase;
  /** Every move made, oldest first (for logs and tests). */
  readonly history: ReplyPhase[];

  private listener: ((to: ReplyPhase, from: ReplyPhase) => void) | undefined;

  constructor(initial: ReplyPhase, onChange?: (to: ReplyPhase, from: ReplyPhase) => void) {
    this.current = initial;
    this.history = [initial];
    this.listener = onChange;
  }

  /** Who is told of every move from now on (the turn runner, once the reply is the active one). */
  watch(listener: (to: ReplyPhase, from: ReplyPhase) => void): void {
    this.listener = listener;
  }

  get phase(): ReplyPhase {
    return this.current;
  }

  get ended(): boolean {
    return isTerminal(this.current);
  }

  /** Moves to `to` if the table allows it; returns whether it moved (staying put is not a move). */
  transition(to: ReplyPhase): boolean {
    if (!canTransition(this.current, to)) return false;
    const from = this.current;
    this.current = to;
    this.history.push(to);
    this.listener?.(to, from);
    return true;
  }

  is(...phases: ReplyPhase[]): boolean {
    return phases.includes(this.current);
  }
}
