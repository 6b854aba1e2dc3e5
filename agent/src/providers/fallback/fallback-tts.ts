/**
 * Retry and fallback for the TTS stage, as a decorator over TtsProvider: an ordered list of routes
 * (a provider endpoint + voice/model), one warm connection per route, opened on demand. Before each
 * utterance the route's connection is checked: one the vendor closed meanwhile (Cartesia drops idle
 * sockets) is reopened first — never turned into an apology. An utterance that fails before its
 * first audio (a failed send, a context error, no audio within the attempt timeout) is replayed —
 * the same text — on a reopened connection or the next route, within one budget counted from its
 * first text; after the first audio a failure surfaces as is. This is the one TTS retry layer.
 */
import type { Clock, TimerHandle } from '../../time/clock.js';
import { AsyncQueue } from '../../streams/async-queue.js';
import { asProviderError, ProviderError } from '../errors.js';
import type { TtsConnectOptions, TtsConnection, TtsEvent, TtsProvider, TtsUtterance } from '../types.js';
import type { FaultListener, RetryBudget } from './fallback-types.js';
import type { RouteHealth } from './route-health.js';

export interface TtsRoute {
  provider: TtsProvider;
  voice?: string;
  model?: string;
  /** For logs and metrics: endpoint and voice, never a key. */
  label: string;
}

export interface FallbackTtsOptions extends RetryBudget {
  routes: readonly TtsRoute[];
  clock: Clock;
  health: RouteHealth;
  connectTimeoutMs: number;
  onFault?: FaultListener;
}

export class FallbackTts implements TtsProvider {
  readonly name: string;

  constructor(private readonly o: FallbackTtsOptions) {
    if (o.routes.length === 0) throw new RangeError('FallbackTts needs at least one route');
    this.name = o.routes.map((r) => r.provider.name).join('>');
  }

  /** Connects the first route that answers (healthy ones first); rejects with the last error. */
  async connect(options: TtsConnectOptions): Promise<TtsConnection> {
    const conn = new FallbackTtsConnection(this.o, options);
    let lastError: ProviderError | undefined;
    for (const route of this.o.health.order(this.o.routes, this.o.routes.length)) {
      try {
        await conn.acquire(route);
        return conn;
      } catch (err) {
        lastError = asProviderError('tts', err);
        this.o.health.failed(route.label);
        if (options.signal.aborted) break;
      }
    }
    conn.close();
    throw lastError ?? new ProviderError('tts', 'connect_failed', 'no TTS route', true);
  }
}

interface Inner {
  connecting: Promise<TtsConnection>;
  conn?: TtsConnection;
}

export class FallbackTtsConnection implements TtsConnection {
  private readonly inner = new Map<string, Inner>();
  private readonly active = new Set<FallbackUtterance>();
  private closed = false;

  constructor(
    readonly o: FallbackTtsOptions,
    private readonly options: TtsConnectOptions,
  ) {}

  utterance(): TtsUtterance {
    const u = new FallbackUtterance(this, (x) => this.active.delete(x));
    this.active.add(u);
    return u;
  }

  isOpen(): boolean {
    return !this.closed;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const u of [...this.active]) u.cancel();
    for (const i of this.inner.values()) i.conn?.close();
    this.inner.clear();
  }

  /** The route's open connection, reopened first when the vendor closed it since it was last used. */
  acquire(route: TtsRoute): Promise<TtsConnection> {
    if (this.closed)
      return Promise.reject(new ProviderError('tts', 'closed', 'TTS connection closed', false));
    const known = this.inner.get(route.label);
    if (known && (!known.conn || known.conn.isOpen())) return known.connecting;
    if (known?.conn) {
      known.conn.close();
      this.o.onFault?.({
        stage: 'tts',
        code: 'closed',
        action: 'reconnected',
        from: route.label,
        to: route.label,
      });
    }
    const entry: Inner = { connecting: this.open(route) };
    this.inner.set(route.label, entry);
    entry.connecting.then(
      (c) => {
        if (this.closed || this.inner.get(route.label) !== entry) return c.close();
        entry.conn = c;
      },
      () => {
        if (this.inner.get(route.label) === entry) this.inner.delete(route.label);
      },
    );
    return entry.connecting;
  }

  /** A connection that failed an attempt in a way that may have left it broken: drop it. */
  discard(route: TtsRoute): void {
    const known = this.inner.get(route.label);
    known?.conn?.close();
    this.inner.delete(route.label);
  }

  private async open(route: TtsRoute): Promise<TtsConnection> {
    const { clock } = this.o;
    let timer: TimerHandle | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = clock.setTimeout(
        () => reject(new ProviderError('tts', 'timeout', `TTS connect timed out (${route.label})`, true)),
        this.o.connectTimeoutMs,
      );
    });
    const connecting = route.provider.connect({
      ...this.options,
      ...(route.voice ? { voice: route.voice } : {}),
      ...(route.model ? { model: route.model } : {}),
    });
    try {
      return await Promise.race([connecting, timeout]);
    } catch (err) {
      void connecting.then(
        (c) => c.close(),
        () => undefined,
      ); // a late connect is not leaked
      throw err;
    } finally {
      if (timer) clock.clearTimeout(timer);
    }
  }
}

class FallbackUtterance implements TtsUtterance {
  private readonly texts: string[] = [];
  private readonly queue = new AsyncQueue<TtsEvent>({
    capacity: 100_000,
    overflow: 'fail',
    onOverflow: () => new ProviderError('tts', 'bad_response', 'TTS audio not consumed', false),
    onReturn: () => this.cancel(),
  });
  private current: TtsUtterance | undefined;
  private ended = false;
  private cancelled = false;
  private firstTextAt: number | undefined;
  private attemptTimer: TimerHandle | undefined;
  private armAttempt: (() => void) | undefined;

  constructor(
    private readonly conn: FallbackTtsConnection,
    private readonly onFinished: (u: FallbackUtterance) => void,
  ) {
    void this.run().finally(() => {
      this.clearTimer();
      this.onFinished(this);
    });
  }

  pushText(text: string): void {
    if (this.cancelled || this.ended || text === '') return;
    this.texts.push(text);
    this.firstTextAt ??= this.conn.o.clock.now();
    this.current?.pushText(text);
    this.armAttempt?.();
  }

  end(): void {
    if (this.cancelled || this.ended) return;
    this.ended = true;
    this.current?.end();
  }

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.clearTimer();
    this.current?.cancel();
    this.queue.clear();
  }

  [Symbol.asyncIterator](): AsyncIterator<TtsEvent> {
    return this.queue[Symbol.asyncIterator]();
  }

  private async run(): Promise<void> {
    const o = this.conn.o;
    const plan = o.health.order(o.routes, o.maxAttempts);
    let lastError: ProviderError | undefined;
    for (let i = 0; i < plan.length && !this.cancelled; i++) {
      const route = plan[i]!;
      if (i > 0 && this.remaining() < o.minAttemptMs) break;
      const result = await this.attempt(route, i === plan.length - 1);
      if (result === 'finished' || this.cancelled) return;
      lastError = result;
      o.health.failed(route.label);
      // A socket that closed, timed out or never connected is reopened for the next attempt.
      if (['closed', 'timeout', 'connect_failed'].includes(result.code)) this.conn.discard(route);
      const next = plan.slice(i + 1).find((r) => result.retryable || r.label !== route.label);
      if (!next) break;
      if (!result.retryable) plan.splice(i + 1, plan.indexOf(next, i + 1) - i - 1);
      o.onFault?.({
        stage: 'tts',
        code: result.code,
        action: next.label === route.label ? 'retried' : 'fell_back',
        from: route.label,
        to: next.label,
      });
    }
    if (this.cancelled) return;
    const error =
      lastError ?? new ProviderError('tts', 'timeout', 'no TTS attempt fitted in the budget', true);
    o.onFault?.({ stage: 'tts', code: error.code, action: 'gave_up', from: plan[0]!.label });
    this.queue.fail(error);
  }

  /** One route: 'finished' once audio flowed (to the end, or a failure passed on), else the error. */
  private async attempt(route: TtsRoute, last: boolean): Promise<'finished' | ProviderError> {
    let inner: TtsUtterance;
    try {
      inner = (await this.conn.acquire(route)).utterance();
    } catch (err) {
      return asProviderError('tts', err);
    }
    if (this.cancelled) {
      inner.cancel();
      return 'finished';
    }
    this.current = inner;
    for (const t of this.texts) inner.pushText(t);
    if (this.ended) inner.end();
    let timedOut: ProviderError | undefined;
    let audio = false;
    let sawDone = false;
    this.armAttempt = () => {
      if (this.attemptTimer || audio || this.firstTextAt === undefined) return;
      const ms = last ? this.remaining() : Math.min(this.conn.o.attemptTimeoutMs, this.remaining());
      this.attemptTimer = this.conn.o.clock.setTimeout(
        () => {
          this.attemptTimer = undefined;
          timedOut = new ProviderError(
            'tts',
            'timeout',
            `no audio within ${Math.round(ms)} ms (${route.label})`,
            true,
          );
          inner.cancel();
        },
        Math.max(0, ms),
      );
    };
    this.armAttempt();
    try {
      for await (const ev of inner) {
        if (ev.type === 'audio' && !audio) {
          audio = true;
          this.clearTimer();
          this.conn.o.health.succeeded(route.label);
        }
        this.queue.push(ev);
        if (ev.type === 'done') {
          sawDone = true;
          break;
        }
      }
      if (this.cancelled || sawDone) {
        this.queue.close();
        return 'finished';
      }
      // Ended without `done`: our attempt timer cancelled it, or its connection went away.
      const error =
        timedOut ?? new ProviderError('tts', 'closed', `TTS stream ended early (${route.label})`, true);
      if (!audio) return error;
      this.queue.fail(error);
      return 'finished';
    } catch (err) {
      if (audio) {
        this.queue.fail(err);
        return 'finished';
      }
      return timedOut ?? asProviderError('tts', err);
    } finally {
      this.clearTimer();
      this.armAttempt = undefined;
      this.current = undefined;
    }
  }

  /** Budget left, counted from the first text (all of it until there is text). */
  private remaining(): number {
    const o = this.conn.o;
    if (this.firstTextAt === undefined) return o.budgetMs;
    return this.firstTextAt + o.budgetMs - o.clock.now();
  }

  private clearTimer(): void {
    if (this.attemptTimer) this.conn.o.clock.clearTimeout(this.attemptTimer);
    this.attemptTimer = undefined;
  }
}
