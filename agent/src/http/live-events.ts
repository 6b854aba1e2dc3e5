/**
 * Live event bus for calls in progress (the softphone's agent panel, the events API). Implements
 * CallObserver. Keeps the last `historySize` events of each active call so a late subscriber gets
 * context; a subscription is an async iterable that finishes when the call ends.
 */
import type {
  CallEndInfo,
  CallObserver,
  CallStartInfo,
  LiveEvent,
  TurnRecord,
} from '../conversation/call-record.js';
import { AsyncQueue } from '../streams/async-queue.js';

export interface LiveEnvelope {
  /** 1, 2, 3… per call: the SSE event id, so a reconnecting client can skip what it has seen. */
  seq: number;
  /** Wall-clock time, ms since the epoch. */
  at: number;
  event: LiveEvent;
}

export type SubscriptionEnd = 'call_ended' | 'unsubscribed' | 'closed';

export interface LiveEventsOptions {
  /** Events kept per active call for late subscribers (default 200). */
  historySize?: number;
  /** Per-subscriber queue; a consumer this far behind loses the oldest events (default 1000). */
  queueLimit?: number;
  /** Wall clock for `at` (default Date.now). */
  now?: () => number;
}

export class LiveSubscription implements AsyncIterable<LiveEnvelope> {
  private reason: SubscriptionEnd | undefined;

  constructor(
    readonly callId: string,
    readonly start: CallStartInfo,
    private readonly queue: AsyncQueue<LiveEnvelope>,
    private readonly detach: (s: LiveSubscription) => void,
  ) {}

  /** Why the subscription finished; undefined while it runs. */
  get endReason(): SubscriptionEnd | undefined {
    return this.reason;
  }

  /** Events dropped because this consumer fell behind. */
  get dropped(): number {
    return this.queue.dropped;
  }

  push(envelope: LiveEnvelope): void {
    this.queue.push(envelope);
  }

  /** Stop: iteration finishes after what is already queued. Idempotent. */
  end(reason: SubscriptionEnd = 'unsubscribed'): void {
    if (this.reason) return;
    this.reason = reason;
    this.detach(this);
    this.queue.close();
  }

  [Symbol.asyncIterator](): AsyncIterator<LiveEnvelope> {
    return {
      next: () => this.queue.next(),
      return: async () => {
        this.end('unsubscribed');
        return { value: undefined, done: true };
      },
    };
  }
}

interface ActiveCall {
  start: CallStartInfo;
  seq: number;
  history: LiveEnvelope[];
  subscribers: Set<LiveSubscription>;
  turnsSeen: Set<number>;
}

export class LiveEvents implements CallObserver {
  private readonly calls = new Map<string, ActiveCall>();
  private readonly historySize: number;
  private readonly queueLimit: number;
  private readonly now: () => number;

  constructor(options: LiveEventsOptions = {}) {
    this.historySize = options.historySize ?? 200;
    this.queueLimit = options.queueLimit ?? 1000;
    this.now = options.now ?? Date.now;
  }

  isActive(callId: string): boolean {
    return this.calls.has(callId);
  }

  /** Open subscriptions of a call (0 when it is not in progress). */
  subscriberCount(callId: string): number {
    return this.calls.get(callId)?.subscribers.size ?? 0;
  }

  activeCalls(): CallStartInfo[] {
    return [...this.calls.values()].map((c) => c.start);
  }

  /**
   * Subscribes to an active call: first the kept history (after `afterSeq`, if given), then events as
   * they happen. Returns undefined when the call is not in progress (ended, or never seen).
   */
  subscribe(
    callId: string,
    options: { afterSeq?: number; signal?: AbortSignal } = {},
  ): LiveSubscription | undefined {
    const call = this.calls.get(callId);
    if (!call || options.signal?.aborted) return undefined;
    const queue = new AsyncQueue<LiveEnvelope>({ capacity: this.queueLimit });
    const sub = new LiveSubscription(callId, call.start, queue, (s) => call.subscribers.delete(s));
    for (const e of call.history) if (e.seq > (options.afterSeq ?? 0)) sub.push(e);
    call.subscribers.add(sub);
    options.signal?.addEventListener('abort', () => sub.end('unsubscribed'), { once: true });
    return sub;
  }

  callStarted(info: CallStartInfo): void {
    if (this.calls.has(info.callId)) return;
    this.calls.set(info.callId, {
      start: info,
      seq: 0,
      history: [],
      subscribers: new Set(),
      turnsSeen: new Set(),
    });
  }

  /** Turns reach subscribers once, whether reported here, as a live 'turn' event, or both. */
  turnCompleted(turn: TurnRecord): void {
    this.live(turn.callId, { type: 'turn', turn });
  }

  /** Events for calls not in progress are dropped. */
  live(callId: string, event: LiveEvent): void {
    const call = this.calls.get(callId);
    if (!call) return;
    if (event.type === 'turn') {
      if (call.turnsSeen.has(event.turn.index)) return;
      call.turnsSeen.add(event.turn.index);
    }
    const envelope: LiveEnvelope = { seq: ++call.seq, at: this.now(), event };
    call.history.push(envelope);
    if (call.history.length > this.historySize) call.history.shift();
    for (const sub of call.subscribers) sub.push(envelope);
  }

  /** Sends a final `state: ended` (unless that was the last state sent) and ends every subscription. */
  callEnded(info: CallEndInfo): void {
    const call = this.calls.get(info.callId);
    if (!call) return;
    const last = call.history.at(-1)?.event;
    if (!(last?.type === 'state' && last.state === 'ended'))
      this.live(info.callId, { type: 'state', state: 'ended' });
    this.calls.delete(info.callId);
    for (const sub of [...call.subscribers]) sub.end('call_ended');
  }

  /** Shutdown: ends every subscription and forgets every call. */
  close(): void {
    for (const call of this.calls.values()) for (const sub of [...call.subscribers]) sub.end('closed');
    this.calls.clear();
  }
}
