/**
 * The in-memory LLM double: scripted replies on an injected clock, recording every request. It keeps
 * the same contract as the OpenAI adapter (llm-conformance.test.ts runs both): a caller's abort ends
 * the stream quietly; its own timeouts (first token, a stall mid-stream) and scripted failures throw
 * ProviderError; tool calls are announced as they start and listed at the end; usage before `done`.
 */
import type { Clock, TimerHandle } from '../../time/clock.js';
import { errorForHttpStatus, ProviderError } from '../../providers/errors.js';
import type { ChatMessage, LlmEvent, LlmProvider, LlmRequest, ToolCall } from '../../providers/types.js';

export type LlmStep =
  | { text: string }
  | { toolCalls: ToolCall[] }
  | { delayMs: number }
  | { error: ProviderError }
  /** The vendor answers this HTTP status (before any token, like a refused request). */
  | { status: number }
  /** The connection breaks here. */
  | { cut: true }
  /** Never answer (until aborted, or the double's own timeout). */
  | { hang: true };

export type LlmScript = LlmStep[] | ((request: LlmRequest) => LlmStep[]);

export interface RecordedLlmRequest {
  messages: ChatMessage[];
  tools: string[];
  model: string;
  firstTokenBudgetMs: number | undefined;
}

export interface ScriptedLlmTimeouts {
  /** Longest wait for the first event (the adapter's request timeout + idle timer). Default 15 000. */
  firstTokenMs: number;
  /** Longest gap between two events. Default 15 000. */
  idleMs: number;
}

/** Split a sentence into streamed tokens of a few characters, like a real model. */
export function tokens(text: string, delayMs = 0): LlmStep[] {
  const parts = text.match(/\S+\s*|\s+/g) ?? [];
  return parts.flatMap((t) => (delayMs > 0 ? [{ delayMs }, { text: t }] : [{ text: t }]));
}

class Aborted extends Error {}
class TimedOut extends Error {}

export class ScriptedLlm implements LlmProvider {
  readonly name: string = 'scripted-llm';
  readonly requests: RecordedLlmRequest[] = [];
  /** Clock time of each request. */
  readonly requestTimes: number[] = [];
  /** Requests the caller cancelled. */
  aborted = 0;
  readonly timeouts: ScriptedLlmTimeouts;
  private scripts: LlmScript[] = [];

  constructor(
    private readonly clock: Clock,
    scripts: LlmScript[] = [],
    /** Used when no script is queued. */
    private readonly fallback: LlmScript = [{ text: 'Okay.' }],
    timeouts: Partial<ScriptedLlmTimeouts> = {},
  ) {
    this.scripts.push(...scripts);
    this.timeouts = { firstTokenMs: 15_000, idleMs: 15_000, ...timeouts };
  }

  enqueue(...scripts: LlmScript[]): void {
    this.scripts.push(...scripts);
  }

  async *stream(request: LlmRequest): AsyncIterable<LlmEvent> {
    this.requestTimes.push(this.clock.now());
    this.requests.push({
      messages: structuredClone([...request.messages]),
      tools: request.tools.map((t) => t.name),
      model: request.model,
      firstTokenBudgetMs: request.firstTokenBudgetMs,
    });
    const script = this.scripts.shift() ?? this.fallback;
    const steps = typeof script === 'function' ? script(request) : script;
    const calls: ToolCall[] = [];
    let textSteps = 0;
    let seen = false;
    let lastAt = this.clock.now();
    const wait = (ms: number) =>
      this.wait(
        ms,
        request.signal,
        (seen ? this.timeouts.idleMs : this.timeouts.firstTokenMs) - (this.clock.now() - lastAt),
      );
    try {
      for (const step of steps) {
        if (request.signal.aborted) throw new Aborted();
        if ('delayMs' in step) await wait(step.delayMs);
        else if ('hang' in step) await wait(Infinity);
        else if ('error' in step) throw step.error;
        else if ('status' in step) throw errorForHttpStatus('llm', 'scripted LLM', step.status);
        else if ('cut' in step) throw new ProviderError('llm', 'closed', 'scripted LLM connection cut', true);
        else {
          seen = true;
          lastAt = this.clock.now();
          if ('text' in step) {
            textSteps++;
            yield { type: 'text', text: step.text };
          } else {
            for (const c of step.toolCalls) yield { type: 'tool_call_started', id: c.id, name: c.name };
            calls.push(...step.toolCalls);
          }
        }
      }
      if (request.signal.aborted) throw new Aborted();
      const promptTokens = JSON.stringify(request.messages).length >> 2;
      yield { type: 'usage', usage: { promptTokens, completionTokens: textSteps + calls.length * 10 } };
      if (calls.length) yield { type: 'tool_calls', calls };
      yield { type: 'done', finishReason: calls.length ? 'tool_calls' : 'stop' };
    } catch (err) {
      if (err instanceof Aborted || request.signal.aborted) {
        this.aborted++;
        return; // the caller cancelled: end quietly, as the adapter does
      }
      if (err instanceof TimedOut)
        throw new ProviderError('llm', 'timeout', `no data from the scripted LLM in time`, true);
      throw err;
    }
  }

  /** Sleep `ms` on the clock; Aborted on the caller's abort, TimedOut when `limitMs` runs out first. */
  private wait(ms: number, signal: AbortSignal, limitMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(new Aborted());
      const limit = Math.max(0, limitMs);
      const timedOut = limit < ms;
      let timer: TimerHandle | undefined;
      if (Number.isFinite(Math.min(ms, limit)))
        timer = this.clock.setTimeout(
          () => {
            signal.removeEventListener('abort', onAbort);
            if (timedOut) reject(new TimedOut());
            else resolve();
          },
          Math.min(ms, limit),
        );
      const onAbort = () => {
        if (timer) this.clock.clearTimeout(timer);
        reject(new Aborted());
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
