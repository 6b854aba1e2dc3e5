/**
 * The live agent panel's connection: subscribes to a Switchboard agent's Server-Sent Events for our
 * call (GET /api/calls/{sipCallId}/events), folds them into the timeline (./agent-timeline.ts), and
 * after the call shows the stored record (GET /api/calls/{sipCallId}). When the stream fails it asks
 * the API why (EventSource hides HTTP statuses): a refused token and an unreachable agent are shown
 * as such instead of the panel silently disappearing.
 */
import { applyAgentEvent, emptyTimeline, type AgentTimeline } from './agent-timeline.js';
import { Listeners } from './listeners.js';
import type { PhoneTimer } from './timer.js';

export type PanelStatus = 'connecting' | 'live' | 'ended' | 'unavailable' | 'unauthorized' | 'unreachable';

export interface AgentPanelState {
  status: PanelStatus;
  /** What is wrong with the connection and what to do, when something is. */
  problem?: string;
  timeline: AgentTimeline;
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

/** The part of fetch() the panel uses. */
export type FetchLike = (
  url: string,
  init: { headers: Record<string, string> },
) => Promise<{ status: number; json(): Promise<unknown> }>;

export interface AgentEndpoints {
  /** SSE URL (with ?token= when there is one: EventSource cannot send headers). */
  events: string;
  /** The call record URL. */
  record: string;
  token?: string;
}

export interface AgentPanelOptions {
  endpoints: AgentEndpoints;
  createSource: EventSourceFactory;
  fetch: FetchLike;
  timer: PhoneTimer;
  /**
   * The agent knows a call only once its media side has connected the audio fork, after the answer:
   * a panel opened at once can get a 404 first, so it tries again after these delays.
   */
  delaysMs?: readonly number[];
}

export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [250, 500, 1000, 1000, 2000, 2000];
const EVENT_TYPES = [
  'call',
  'state',
  'transcript',
  'turn',
  'dtmf',
  'tool',
  'error',
  'record',
  'end',
] as const;
const CLOSED = 2;

export class AgentPanel {
  readonly changes = new Listeners<AgentPanelState>();
  private state: AgentPanelState = { status: 'connecting', timeline: emptyTimeline() };
  private source: EventSourceLike | undefined;
  private attempt = 0;
  private retryHandle: unknown;
  private closed = false;
  private diagnosing = false;
  private finishing = false;

  constructor(private readonly o: AgentPanelOptions) {}

  get current(): AgentPanelState {
    return this.state;
  }

  open(): void {
    if (this.closed) return;
    const src = this.o.createSource(this.o.endpoints.events);
    this.source = src;
    src.addEventListener('open', () => {
      if (this.source !== src) return;
      const next: AgentPanelState = {
        ...this.state,
        status: this.state.status === 'ended' ? 'ended' : 'live',
      };
      delete next.problem;
      this.set(next);
    });
    src.addEventListener('message', (m) => this.onData(m.data, undefined));
    for (const type of EVENT_TYPES) src.addEventListener(type, (m) => this.onData(m.data, type));
    src.addEventListener('error', () => {
      if (this.source !== src || this.closed) return;
      if (src.readyState === CLOSED) this.source = undefined;
      void this.diagnose(src.readyState === CLOSED);
    });
  }

  /**
   * Our side of the call is over: the agent's last events, its record and `end` still arrive for up to
   * `graceMs`; then the stream is closed and the stored record fetched if it has not come.
   */
  finish(graceMs = 3000): void {
    if (this.closed || this.finishing) return;
    this.finishing = true;
    this.clearRetry();
    if (this.state.status !== 'live' && this.state.status !== 'connecting') return this.close();
    this.retryHandle = this.o.timer.setTimeout(() => void this.wrapUp(), this.source ? graceMs : 0);
  }

  close(): void {
    this.closed = true;
    this.clearRetry();
    this.source?.close();
    this.source = undefined;
  }

  private async wrapUp(): Promise<void> {
    this.retryHandle = undefined;
    this.source?.close();
    this.source = undefined;
    if (!this.state.timeline.recorded && this.state.status !== 'unavailable') await this.fetchRecord();
    if (this.state.status === 'connecting') this.set({ ...this.state, status: 'unavailable' });
    else if (this.state.status === 'live') this.set({ ...this.state, status: 'ended' });
    this.close();
  }

  private async fetchRecord(): Promise<void> {
    const res = await this.request();
    if (res && 'body' in res && res.status === 200) {
      this.apply({ type: 'record', call: (res.body as { call?: unknown }).call });
    }
  }

  private async request(): Promise<{ status: number; body?: unknown } | { error: true }> {
    const headers: Record<string, string> = {};
    if (this.o.endpoints.token) headers.authorization = `Bearer ${this.o.endpoints.token}`;
    try {
      const res = await this.o.fetch(this.o.endpoints.record, { headers });
      return res.status === 200 ? { status: 200, body: await res.json() } : { status: res.status };
    } catch {
      return { error: true };
    }
  }

  /** The stream failed: ask the API why, then retry, wait, or say what is wrong. */
  private async diagnose(streamClosed: boolean): Promise<void> {
    if (this.diagnosing) return;
    this.diagnosing = true;
    const res = await this.request();
    this.diagnosing = false;
    if (this.closed) return;
    if ('error' in res) {
      const problem = `Cannot connect to the agent at ${origin(this.o.endpoints.record)}. Check the Agent API URL in the account settings.`;
      if (this.state.status === 'live')
        return this.set({ ...this.state, problem: 'Connection to the agent lost; reconnecting…' });
      this.set({ ...this.state, status: 'unreachable', problem });
      if (streamClosed) this.retryOr(undefined);
      return;
    }
    if (res.status === 401 || res.status === 403) {
      this.close();
      return this.set({
        ...this.state,
        status: 'unauthorized',
        problem: this.o.endpoints.token
          ? 'The agent refused the API token. Check the token in the account settings.'
          : 'The agent needs an API token. Add it in the account settings (Agent API token).',
      });
    }
    if (res.status === 200 && 'body' in res) {
      const call = (res.body as { call?: { live?: unknown } }).call;
      // Known and still in progress (the fork connected meanwhile): open the stream again.
      if (call?.live === true) {
        if (streamClosed) this.retryOr('unavailable');
        return;
      }
      this.apply({ type: 'record', call });
      if (streamClosed) this.set({ ...this.state, status: 'ended' });
      return;
    }
    if (streamClosed) this.retryOr('unavailable');
  }

  private retryOr(finalStatus: PanelStatus | undefined): void {
    const delay = (this.o.delaysMs ?? DEFAULT_RETRY_DELAYS_MS)[this.attempt];
    if (delay !== undefined && !this.finishing && this.state.status !== 'live') {
      this.attempt++;
      this.retryHandle = this.o.timer.setTimeout(() => {
        this.retryHandle = undefined;
        this.open();
      }, delay);
      return;
    }
    if (finalStatus) this.set({ ...this.state, status: finalStatus });
  }

  private clearRetry(): void {
    if (this.retryHandle !== undefined) this.o.timer.clearTimeout(this.retryHandle);
    this.retryHandle = undefined;
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
    this.apply(parsed);
    if ((parsed as { type?: unknown } | null)?.type === 'end') {
      this.set({ ...this.state, status: 'ended' });
      this.close();
    }
  }

  private apply(event: unknown): void {
    const timeline = applyAgentEvent(this.state.timeline, event);
    if (timeline === this.state.timeline) return;
    const status = this.state.status === 'connecting' ? 'live' : this.state.status;
    this.set({ ...this.state, status, timeline });
  }

  private set(next: AgentPanelState): void {
    this.state = next;
    this.changes.emit(next);
  }
}

function origin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}
