/**
 * Preemptive generation: on a likely end of the caller's turn (Flux EagerEndOfTurn, or the turn
 * detector's probability high on a stable transcript) the LLM starts on that text — the LLM only,
 * never the audio. When the turn really ends with the same words on the same history, the reply
 * takes over the stream already under way; otherwise the early stream is cancelled and the reply
 * starts afresh. LiveKit's PreemptiveGenerationOptions: LLM only, at most 3 tries per user turn
 * (research anchors §1.7). Tools are never run early: a tool call is only an event in the buffer.
 */
import type { Clock } from '../time/clock.js';
import type { Logger } from '../log.js';
import type { LlmEvent, LlmProvider, LlmRequest } from '../providers/types.js';
import { AsyncQueue } from '../streams/async-queue.js';
import { ReplyStateMachine } from './reply-state.js';

/** An LLM stream started early, handed to the reply that adopts it. */
export interface PrimedStream {
  readonly events: AsyncIterable<LlmEvent>;
  /** Aborting it stops the early request. */
  readonly controller: AbortController;
  readonly startedAt: number;
  /** When the first event arrived (undefined: none yet). */
  firstEventAt(): number | undefined;
  /** preparing → thinking once adopted. */
  readonly phase: ReplyStateMachine;
}

interface Pending extends PrimedStream {
  key: string;
  version: number;
  first: number | undefined;
}

export interface PreemptionDeps {
  llm: LlmProvider;
  clock: Clock;
  log: Logger;
  rootSignal: AbortSignal;
  /** Early starts allowed per caller turn. */
  maxAttempts: number;
}

/** Case, punctuation and spacing do not change what the caller said. */
function normalize(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export class Preemption {
  private current: Pending | undefined;
  private attempts = 0;
  /** Early starts thrown away since the last claim (for the turn record). */
  private discarded = 0;

  constructor(private readonly d: PreemptionDeps) {}

  get preparing(): boolean {
    return this.current !== undefined;
  }

  /** Start (or keep) an early reply to `text` on history `version`. */
  start(text: string, version: number, request: Omit<LlmRequest, 'signal'>): void {
    const key = normalize(text);
    const c = this.current;
    if (c && c.key === key && c.version === version) return;
    this.cancel('superseded by newer text');
    if (this.attempts >= this.d.maxAttempts || !key || this.d.rootSignal.aborted) return;
    this.attempts++;
    const controller = new AbortController();
    const onRoot = (): void => controller.abort(this.d.rootSignal.reason);
    this.d.rootSignal.addEventListener('abort', onRoot, { once: true });
    const queue = new AsyncQueue<LlmEvent>({
      capacity: 100_000,
      overflow: 'fail',
      onReturn: () => controller.abort(new Error('reply stopped reading')),
    });
    const pending: Pending = {
      key,
      version,
      events: queue,
      controller,
      startedAt: this.d.clock.now(),
      first: undefined,
      firstEventAt: () => pending.first,
      phase: new ReplyStateMachine('preparing'),
    };
    this.current = pending;
    this.d.log.debug({ attempt: this.attempts }, 'preparing a reply early');
    void (async () => {
      try {
        for await (const ev of this.d.llm.stream({ ...request, signal: controller.signal })) {
          pending.first ??= this.d.clock.now();
          queue.push(ev);
        }
        queue.close();
      } catch (err) {
        queue.fail(err);
      } finally {
        this.d.rootSignal.removeEventListener('abort', onRoot);
      }
    })();
  }

  /** The caller went on (TurnResumed, speech again): drop the early reply. */
  cancel(why: string): void {
    const c = this.current;
    if (!c) return;
    this.current = undefined;
    this.discarded++;
    c.phase.transition('cancelled');
    c.controller.abort(new Error(`preemptive reply cancelled: ${why}`));
    this.d.log.debug({ why }, 'early reply discarded');
  }

  /**
   * The turn ended with `text` on history `version`: the early stream if it matches, else nothing
   * (and any early stream is cancelled). `outcome` says what happened to early replies this turn.
   */
  claim(
    text: string,
    version: number,
  ): { primed: PrimedStream | undefined; outcome: 'used' | 'discarded' | undefined } {
    const c = this.current;
    let primed: PrimedStream | undefined;
    if (c && c.key === normalize(text) && c.version === version && !c.controller.signal.aborted) {
      this.current = undefined;
      c.phase.transition('thinking');
      primed = c;
    } else if (c) {
      this.cancel('final transcript differs');
    }
    const outcome = primed ? 'used' : this.discarded > 0 ? 'discarded' : undefined;
    this.attempts = 0;
    this.discarded = 0;
    return { primed, outcome };
  }

  close(): void {
    this.cancel('call closed');
  }
}
