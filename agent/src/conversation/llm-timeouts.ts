/** Bounds on an LLM stream: time to first event and time between events, on the injected clock. */
import type { Clock, TimerHandle } from '../time/clock.js';
import { ProviderError } from '../providers/errors.js';

export interface LlmWatch {
  /** Child of the turn signal; aborted on timeout or TTS failure too. */
  signal: AbortSignal;
  /**
   * Call on every event; true on the first. The next event is due within `withinMs` (default: the
   * idle limit) — shorter while the caller has heard nothing of the reply yet.
   */
  tick(withinMs?: number): boolean;
  abortForTts(error: unknown): void;
  dispose(): void;
  timedOut: ProviderError | undefined;
  ttsError: unknown;
}

export function withTimeouts(clock: Clock, parent: AbortSignal, firstMs: number, idleMs: number): LlmWatch {
  const controller = new AbortController();
  const onParent = () => controller.abort(parent.reason);
  // An already-cancelled turn must not reach the LLM: the listener would never fire.
  if (parent.aborted) controller.abort(parent.reason);
  else parent.addEventListener('abort', onParent, { once: true });
  let timer: TimerHandle | undefined;
  let seen = false;
  const arm = (ms: number, what: string) => {
    if (timer) clock.clearTimeout(timer);
    timer = clock.setTimeout(() => {
      watch.timedOut = new ProviderError('llm', 'timeout', `LLM ${what} timed out after ${ms} ms`, true);
      controller.abort(watch.timedOut);
    }, ms);
  };
  const watch: LlmWatch = {
    signal: controller.signal,
    timedOut: undefined,
    ttsError: undefined,
    tick(withinMs = idleMs) {
      arm(Math.min(withinMs, idleMs), 'stream');
      if (seen) return false;
      seen = true;
      return true;
    },
    abortForTts(error) {
      if (controller.signal.aborted) return;
      watch.ttsError = error;
      controller.abort(error);
    },
    dispose() {
      if (timer) clock.clearTimeout(timer);
      timer = undefined;
      parent.removeEventListener('abort', onParent);
    },
  };
  arm(firstMs, 'first token');
  return watch;
}

/** Resolve with `promise`, or with a cancelled marker as soon as `signal` aborts. */
export function untilAborted<T>(
  promise: Promise<T>,
  signal: AbortSignal,
): Promise<T | { status: 'cancelled' }> {
  if (signal.aborted) return Promise.resolve({ status: 'cancelled' });
  return new Promise((resolve) => {
    const onAbort = () => resolve({ status: 'cancelled' });
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve({ status: 'cancelled' });
      },
    );
  });
}
