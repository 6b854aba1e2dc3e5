/**
 * Retry and fallback for the LLM stage, as a decorator over LlmProvider (LiveKit's FallbackAdapter
 * is the model): an ordered list of routes (a provider endpoint + model), tried in turn until one
 * produces its first event. Only before the first event — once anything reached the caller the
 * stream is theirs and a failure surfaces as is. A retryable failure (rate limit, 5xx, connection,
 * a first token that does not come within the attempt timeout) tries the next route, or the same
 * one again when it is the only one; a non-retryable one (auth, a refused request) skips to a
 * different route or gives up. All attempts share one budget (request.firstTokenBudgetMs, else the
 * configured one), so the caller's wait before the apology stays bounded. SDK retries stay off
 * underneath: this is the one LLM retry layer.
 */
import type { Clock, TimerHandle } from '../../time/clock.js';
import { asProviderError, ProviderError } from '../errors.js';
import type { LlmEvent, LlmProvider, LlmRequest } from '../types.js';
import type { FaultListener, RetryBudget } from './fallback-types.js';
import type { RouteHealth } from './route-health.js';

export interface LlmRoute {
  provider: LlmProvider;
  /** Model for this route; undefined: the request's own (the profile's primary model). */
  model?: string;
  /** For logs and metrics: endpoint and model, never a key. */
  label: string;
}

export interface FallbackLlmOptions extends RetryBudget {
  routes: readonly LlmRoute[];
  clock: Clock;
  health: RouteHealth;
  /** Pause before trying the same route again (ms). */
  retryDelayMs: number;
  onFault?: FaultListener;
}

export class FallbackLlm implements LlmProvider {
  readonly name: string;

  constructor(private readonly o: FallbackLlmOptions) {
    if (o.routes.length === 0) throw new RangeError('FallbackLlm needs at least one route');
    this.name = o.routes.map((r) => r.provider.name).join('>');
  }

  async *stream(request: LlmRequest): AsyncGenerator<LlmEvent> {
    const { clock } = this.o;
    const deadline = clock.now() + (request.firstTokenBudgetMs ?? this.o.budgetMs);
    const plan = this.o.health.order(this.o.routes, this.o.maxAttempts);
    let lastError: ProviderError | undefined;
    for (let i = 0; i < plan.length; i++) {
      const route = plan[i]!;
      if (request.signal.aborted) return;
      const remaining = deadline - clock.now();
      if (i > 0 && remaining < this.o.minAttemptMs) break;
      const last = i === plan.length - 1 || remaining - this.o.attemptTimeoutMs < this.o.minAttemptMs;
      const attempt = new Attempt(clock, request.signal, last ? remaining : this.o.attemptTimeoutMs);
      let started = false;
      try {
        for await (const ev of route.provider.stream({
          ...request,
          model: route.model ?? request.model,
          signal: attempt.signal,
        })) {
          if (!started) {
            started = true;
            attempt.dispose();
            this.o.health.succeeded(route.label);
          }
          yield ev;
        }
        if (started || request.signal.aborted) return;
        lastError =
          attempt.timedOut ?? new ProviderError('llm', 'closed', 'LLM stream ended with no event', true);
      } catch (err) {
        if (started || request.signal.aborted) throw err;
        lastError = attempt.timedOut ?? asProviderError('llm', err);
      } finally {
        attempt.release();
      }
      this.o.health.failed(route.label);
      const next = this.nextRoute(plan, i, lastError);
      if (next === undefined) break;
      const delay = plan[next]!.label === route.label ? this.o.retryDelayMs : 0;
      if (deadline - clock.now() - delay < this.o.minAttemptMs) break;
      this.o.onFault?.({
        stage: 'llm',
        code: lastError.code,
        action: plan[next]!.label === route.label ? 'retried' : 'fell_back',
        from: route.label,
        to: plan[next]!.label,
      });
      if (next !== i + 1) plan.splice(i + 1, next - i - 1);
      await pause(clock, delay, request.signal);
    }
    if (request.signal.aborted) return;
    const error =
      lastError ?? new ProviderError('llm', 'timeout', 'no LLM attempt fitted in the budget', true);
    this.o.onFault?.({ stage: 'llm', code: error.code, action: 'gave_up', from: plan[0]!.label });
    throw error;
  }

  /** Index of the next attempt in `plan`: any for a retryable error, else the next other route. */
  private nextRoute(plan: LlmRoute[], i: number, error: ProviderError): number | undefined {
    for (let j = i + 1; j < plan.length; j++) {
      if (error.retryable || plan[j]!.label !== plan[i]!.label) return j;
    }
    return undefined;
  }
}

/** One attempt: a child of the caller's signal, aborted when its first event is late. */
class Attempt {
  private readonly controller = new AbortController();
  private timer: TimerHandle | undefined;
  private readonly onParent = (): void => this.controller.abort(this.parent.reason);
  timedOut: ProviderError | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly parent: AbortSignal,
    timeoutMs: number,
  ) {
    if (parent.aborted) this.controller.abort(parent.reason);
    else parent.addEventListener('abort', this.onParent, { once: true });
    this.timer = clock.setTimeout(
      () => {
        this.timer = undefined;
        this.timedOut = new ProviderError(
          'llm',
          'timeout',
          `no first token within ${Math.round(timeoutMs)} ms`,
          true,
        );
        this.controller.abort(this.timedOut);
      },
      Math.max(0, timeoutMs),
    );
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The first event arrived: no more timeout (the caller's signal still reaches the stream). */
  dispose(): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The attempt is over. */
  release(): void {
    this.dispose();
    this.parent.removeEventListener('abort', this.onParent);
  }
}

function pause(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const t = clock.setTimeout(() => {
      signal.removeEventListener('abort', stop);
      resolve();
    }, ms);
    const stop = (): void => {
      clock.clearTimeout(t);
      resolve();
    };
    signal.addEventListener('abort', stop, { once: true });
  });
}
