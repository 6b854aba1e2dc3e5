/**
 * The live agent panel: subscribes to a Switchboard agent's Server-Sent Events for our call
 * (GET /api/calls/{sipCallId}/events) and folds them into transcript lines, agent state and per-turn
 * latency. The event shapes mirror agent/src/conversation/call-record.ts LiveEvent; both plain
 * `data:` messages and named events (`event: transcript`) are accepted.
 */
import { Listeners } from './listeners.js';
import type { PhoneTimer } from './timer.js';

export type AgentState = 'listening' | 'thinking' | 'speaking' | 'ended';

export interface TranscriptLine {
  role: 'user' | 'agent';
  text: string;
  final: boolean;
}

export interface TurnLatency {
  index: number;
  userText: string;
  interrupted: boolean;
  voiceToVoiceMs?: number;
  endOfUtteranceDelayMs?: number;
  sttDelayMs?: number;
  llmTtftMs?: number;
  ttsTtfbMs?: number;
}

export interface AgentPanelState {
  status: 'connecting' | 'live' | 'ended' | 'unavailable';
  agentState?: AgentState;
  transcript: TranscriptLine[];
  turns: TurnLatency[];
}

/** The part of the browser's EventSource the panel uses ('open', 'error', 'message' and named events). */
export interface EventSourceLike {
  addEventListener(type: string, listener: (ev: MessageEventLike) => void): void;
  close(): void;
  readonly readyState: number;
}

export interface MessageEventLike {
  data?: unknown;
}

export type EventSourceFactory = (url: string) => EventSourceLike;

/**
 * The agent knows a call only once its media side has connected the audio fork, which happens after
 * the answer (embedded gateway: on the ACK; FreeSWITCH: after uuid_audio_fork). A panel opened the
 * moment the call is answered can therefore get a 404 first: it tries again after these delays before
 * it reports the far end as not an agent.
 */
export interface AgentPanelRetry {
  timer: PhoneTimer;
  delaysMs?: readonly number[];
}

export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [250, 500, 1000, 1000, 2000, 2000];

const MAX_LINES = 500;
const EVENT_TYPES = ['state', 'transcript', 'turn', 'dtmf', 'tool', 'error', 'end'] as const;
const TIMING_KEYS = [
  'voiceToVoiceMs',
  'endOfUtteranceDelayMs',
  'sttDelayMs',
  'llmTtftMs',
  'ttsTtfbMs',
] as const;

export function emptyPanel(): AgentPanelState {
  return { status: 'connecting', transcript: [], turns: [] };
}

function applyTranscript(state: AgentPanelState, ev: Record<string, unknown>): AgentPanelState {
  if ((ev.role !== 'user' && ev.role !== 'agent') || typeof ev.text !== 'string') return state;
  const line: TranscriptLine = { role: ev.role, text: ev.text, final: ev.final === true };
  const lines = [...state.transcript];
  const lastSameRole = [...lines].reverse().find((l) => l.role === line.role);
  // An interim result replaces the previous interim line of the same speaker.
  if (lastSameRole && !lastSameRole.final) lines[lines.lastIndexOf(lastSameRole)] = line;
  else lines.push(line);
  return { ...state, transcript: lines.slice(-MAX_LINES) };
}

function applyTurn(state: AgentPanelState, ev: Record<string, unknown>): AgentPanelState {
  const turn = ev.turn as Record<string, unknown> | undefined;
  if (!turn || typeof turn.index !== 'number') return state;
  const timings = (turn.timings ?? {}) as Record<string, unknown>;
  const t: TurnLatency = {
    index: turn.index,
    userText: typeof turn.userText === 'string' ? turn.userText : '',
    interrupted: turn.interrupted === true,
  };
  for (const k of TIMING_KEYS) if (typeof timings[k] === 'number') t[k] = timings[k];
  return { ...state, turns: [...state.turns.filter((x) => x.index !== t.index), t] };
}

/** Pure reducer: one live event in, the next panel state out. Unknown events leave the state as it was. */
export function applyLiveEvent(state: AgentPanelState, event: unknown): AgentPanelState {
  if (typeof event !== 'object' || event === null) return state;
  const ev = event as Record<string, unknown>;
  const live: AgentPanelState = state.status === 'connecting' ? { ...state, status: 'live' } : state;
  switch (ev.type) {
    case 'state': {
      const s = ev.state;
      if (s !== 'listening' && s !== 'thinking' && s !== 'speaking' && s !== 'ended') return live;
      return { ...live, agentState: s, status: s === 'ended' ? 'ended' : live.status };
    }
    case 'transcript':
      return applyTranscript(live, ev);
    case 'turn':
      return applyTurn(live, ev);
    case 'end':
      return { ...live, status: 'ended', agentState: 'ended' };
    default:
      return live;
  }
}

export class AgentPanel {
  readonly changes = new Listeners<AgentPanelState>();
  private state = emptyPanel();
  private source: EventSourceLike | undefined;
  private attempt = 0;
  private retryHandle: unknown;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly createSource: EventSourceFactory,
    private readonly retry?: AgentPanelRetry,
  ) {}

  get current(): AgentPanelState {
    return this.state;
  }

  open(): void {
    if (this.closed) return;
    const src = this.createSource(this.url);
    this.source = src;
    src.addEventListener('open', () =>
      this.set({ ...this.state, status: this.state.status === 'connecting' ? 'live' : this.state.status }),
    );
    src.addEventListener('message', (m) => this.onData(m.data, undefined));
    for (const type of EVENT_TYPES) src.addEventListener(type, (m) => this.onData(m.data, type));
    src.addEventListener('error', () => {
      // EventSource reconnects by itself while readyState is CONNECTING (0); CLOSED (2) is final (404, not an agent).
      if (src.readyState !== 2 || this.source !== src) return;
      this.source = undefined;
      const delay = this.retry && (this.retry.delaysMs ?? DEFAULT_RETRY_DELAYS_MS)[this.attempt];
      if (this.state.status === 'connecting' && delay !== undefined && this.retry) {
        this.attempt++;
        this.retryHandle = this.retry.timer.setTimeout(() => this.open(), delay);
        return;
      }
      this.set({ ...this.state, status: this.state.status === 'connecting' ? 'unavailable' : 'ended' });
    });
  }

  /**
   * Our side of the call is over: the agent's last events and its `end` still arrive for up to
   * `graceMs`, then the stream is closed and the panel shows the call as ended (never a stale state).
   */
  finish(graceMs = 3000): void {
    if (this.closed) return;
    if (this.retryHandle !== undefined) this.retry?.timer.clearTimeout(this.retryHandle);
    this.retryHandle = undefined;
    const stop = () => {
      if (this.closed) return;
      this.close();
      if (this.state.status === 'connecting') this.set({ ...this.state, status: 'unavailable' });
      else if (this.state.status === 'live')
        this.set({ ...this.state, status: 'ended', agentState: 'ended' });
    };
    if (!this.source || !this.retry) return stop();
    this.retryHandle = this.retry.timer.setTimeout(stop, graceMs);
  }

  close(): void {
    this.closed = true;
    if (this.retryHandle !== undefined) this.retry?.timer.clearTimeout(this.retryHandle);
    this.retryHandle = undefined;
    this.source?.close();
    this.source = undefined;
  }

  private onData(data: unknown, namedType: string | undefined): void {
    if (typeof data !== 'string') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      return;
    }
    if (namedType && typeof parsed === 'object' && parsed !== null && !('type' in parsed)) {
      parsed = { ...parsed, type: namedType };
    }
    const next = applyLiveEvent(this.state, parsed);
    if (next !== this.state) this.set(next);
    if (next.status === 'ended') this.close();
  }

  private set(next: AgentPanelState): void {
    this.state = next;
    this.changes.emit(next);
  }
}
