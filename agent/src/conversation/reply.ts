/**
 * One reply to one user turn: LLM steps (streamed, with tools) whose text is cut into clauses and
 * spoken as it streams, tool calls started as soon as the step's stream ends (while its words play),
 * at most `maxSteps` LLM calls per turn. The first step may adopt a stream started early
 * (preemptive generation). Cancellation: the turn's AbortSignal (a real interruption, a newer turn,
 * close) stops the LLM and the speech; history then keeps only what the caller heard. Tools already
 * running are never cancelled by it (they stop only with the call) and always get their result.
 */
import type { Clock } from '../time/clock.js';
import type { Logger } from '../log.js';
import { ProviderError } from '../providers/errors.js';
import type { LlmEvent, LlmProvider, ToolCall } from '../providers/types.js';
import type { ChatHistory } from './history.js';
import type { PrimedStream } from './preemption.js';
import type { ReplyVoice } from './reply-voice.js';
import type { SpeechResult } from './speech-output.js';
import { TextChunker } from './text-chunker.js';
import type { ToolRegistry } from './tools/tool-registry.js';
import type { ToolContext, ToolOutcome } from './tools/tool-types.js';
import type { TurnOutput } from './turn-output.js';
import { untilAborted, withTimeouts } from './llm-timeouts.js';
import type { LlmCallTiming } from './turn-stages.js';

/** Our own first-token timer runs this much behind the budget the fallback layer works within. */
const BUDGET_SLACK_MS = 250;
/** A stalled stream the caller has heard nothing of yet gets at least this long for its next event. */
const MIN_SILENT_WAIT_MS = 500;

export interface ReplyContext {
  llm: LlmProvider;
  model: string;
  temperature: number | undefined;
  history: ChatHistory;
  tools: ToolRegistry;
  clock: Clock;
  log: Logger;
  maxSteps: number;
  llmFirstTokenTimeoutMs: number;
  llmIdleTimeoutMs: number;
  /** Where the turn's speech goes (withheld while the caller holds the floor). */
  output: TurnOutput;
  /** A stream already running for the first step (preemptive generation). */
  primed?: PrimedStream | undefined;
  /** Tools run under this signal: the call's, not the turn's. */
  toolSignal: AbortSignal;
  /** Tool runs the turn must wait for before another user message enters history. */
  trackTools(run: Promise<unknown>): void;
  toolContext(signal: AbortSignal): ToolContext;
  /** The caller's remaining wait for the first step's first token (retries included), ms. */
  firstTokenBudgetMs(): number;
  /** A new LLM call of the turn (for its record and timings). */
  llmCall(model: string, requestAt: number): LlmCallTiming;
  /** A tool starts now; call the result when it ends. */
  toolRun(): () => void;
  onToolResult(call: ToolCall, result: string, action: ToolOutcome['action']): void;
}

export type ReplyOutcome =
  | {
      status: 'done';
      action?: 'end_call' | 'transferred';
      transferFailed: boolean;
      spokeAfterTransfer: boolean;
    }
  | { status: 'aborted' }
  | { status: 'llm_failed' | 'tts_failed'; error: unknown };

interface StepResult {
  text: string;
  toolCalls: ToolCall[];
  voice: ReplyVoice;
}

interface ToolsResult {
  action?: ToolOutcome['action'];
  transferFailed: boolean;
}

export async function runReply(ctx: ReplyContext, signal: AbortSignal): Promise<ReplyOutcome> {
  // A turn cancelled before its reply began never reaches the LLM or the caller.
  if (signal.aborted) return { status: 'aborted' };
  let transferFailed = false;
  let spokeAfterTransfer = false;
  for (let step = 0; step < ctx.maxSteps; step++) {
    const res = await runStep(ctx, signal, step === 0);
    if ('status' in res) return res;
    if (transferFailed && res.text) spokeAfterTransfer = true;
    const last = step === ctx.maxSteps - 1;
    const tools = res.toolCalls.length > 0 ? runTools(ctx, res.toolCalls, signal, last) : undefined;
    if (tools) ctx.trackTools(tools);
    const played = await untilAborted(res.voice.done, signal);
    if (signal.aborted) return { status: 'aborted' };
    if (played.status === 'failed') return { status: 'tts_failed', error: (played as SpeechResult).error };
    if (!tools) return { status: 'done', transferFailed, spokeAfterTransfer };
    const t = await tools;
    if (signal.aborted) return { status: 'aborted' };
    transferFailed ||= t.transferFailed;
    if (t.action) return { status: 'done', action: t.action, transferFailed, spokeAfterTransfer };
  }
  return { status: 'done', transferFailed, spokeAfterTransfer };
}

/**
 * Streams one LLM call into a voice; returns when the stream has ended (the voice may still be
 * playing). A stream that stops without `done` did not finish: cancelled by the turn, or cut off by
 * our own timeout or a TTS failure (the adapter then ends quietly, as the contract says) — never a
 * finished reply.
 */
async function runStep(
  ctx: ReplyContext,
  signal: AbortSignal,
  first: boolean,
): Promise<StepResult | Exclude<ReplyOutcome, { status: 'done' }>> {
  const chunker = new TextChunker();
  const voice = ctx.output.voice();
  let text = '';
  const toolCalls: ToolCall[] = [];
  const budget = first ? ctx.firstTokenBudgetMs() : undefined;
  // The fallback layer gives up at the budget; our own timer is the backstop just behind it.
  const firstMs = budget === undefined ? ctx.llmFirstTokenTimeoutMs : budget + BUDGET_SLACK_MS;
  const llm = withTimeouts(ctx.clock, signal, firstMs, ctx.llmIdleTimeoutMs);
  // Until the first words go to TTS the caller is waiting in silence: a stall then is bounded by the
  // first-token budget (the apology comes in time), not by the idle limit meant for a long answer.
  // (No slack here: once a first token came, the fallback layer has nothing left to do.)
  const silentUntil = first ? ctx.clock.now() + (budget ?? firstMs) : undefined;
  let spoken = false;
  voice.onFailed((err) => llm.abortForTts(err ?? new ProviderError('tts', 'closed', 'tts failed', true)));
  const primed = first ? ctx.primed : undefined;
  const call = ctx.llmCall(ctx.model, primed?.startedAt ?? ctx.clock.now());
  let finished = false;
  try {
    const events = primed ? adopt(primed, llm.signal) : request(ctx, llm.signal, budget);
    for await (const ev of events) {
      const now = ctx.clock.now();
      if (ev.type === 'text') {
        call.firstTextAt ??= now;
        text += ev.text;
        for (const piece of chunker.push(ev.text)) {
          voice.push(piece);
          spoken = true;
        }
      } else if (ev.type === 'tool_calls') {
        toolCalls.push(...ev.calls);
        call.toolCalls += ev.calls.length;
      } else if (ev.type === 'usage') call.usage = ev.usage;
      const silentFor = silentUntil !== undefined && !spoken ? silentUntil - now : undefined;
      if (llm.tick(silentFor === undefined ? undefined : Math.max(MIN_SILENT_WAIT_MS, silentFor)))
        call.firstEventAt = primed?.firstEventAt() ?? now;
      if (ev.type === 'done') {
        finished = true;
        break;
      }
    }
    llm.dispose();
    if (!finished) {
      throw (
        llm.timedOut ??
        llm.ttsError ??
        (signal.aborted
          ? signal.reason
          : new ProviderError('llm', 'closed', 'LLM stream ended without finishing', true))
      );
    }
    call.endedAt = ctx.clock.now();
    call.outcome = 'done';
    const rest = chunker.flush();
    if (rest) voice.push(rest);
    voice.end();
    voice.historyIndex = ctx.history.addAssistant(text.trim(), toolCalls);
    return { text: text.trim(), toolCalls, voice };
  } catch (err) {
    llm.dispose();
    call.endedAt = ctx.clock.now();
    call.outcome = signal.aborted ? 'cancelled' : 'failed';
    voice.cancel();
    if (signal.aborted) {
      keepHeard(ctx, voice);
      return { status: 'aborted' };
    }
    if (llm.ttsError !== undefined) return { status: 'tts_failed', error: llm.ttsError };
    if (err instanceof ProviderError && err.provider === 'tts') return { status: 'tts_failed', error: err };
    keepHeard(ctx, voice);
    return { status: 'llm_failed', error: llm.timedOut ?? err };
  }
}

function request(
  ctx: ReplyContext,
  signal: AbortSignal,
  budgetMs: number | undefined,
): AsyncIterable<LlmEvent> {
  return ctx.llm.stream({
    model: ctx.model,
    messages: ctx.history.messages(),
    tools: ctx.tools.specs(),
    temperature: ctx.temperature,
    ...(budgetMs !== undefined ? { firstTokenBudgetMs: budgetMs } : {}),
    signal,
  });
}

/** The early stream, now bound to this step's signal (barge-in, timeouts). */
function adopt(primed: PrimedStream, signal: AbortSignal): AsyncIterable<LlmEvent> {
  const stop = (): void => primed.controller.abort(signal.reason);
  if (signal.aborted) stop();
  else signal.addEventListener('abort', stop, { once: true });
  return primed.events;
}

/** A step cut off before its stream ended: history gets only the words the caller heard. */
function keepHeard(ctx: ReplyContext, voice: ReplyVoice): void {
  const heard = voice.heardText();
  if (heard) voice.historyIndex = ctx.history.addAssistant(heard);
}

/**
 * Runs the step's tool calls in order under the call's signal. Calls not yet started when the turn
 * is interrupted (or over the step limit) get an error result instead; every call gets a result.
 */
async function runTools(
  ctx: ReplyContext,
  calls: ToolCall[],
  signal: AbortSignal,
  overLimit: boolean,
): Promise<ToolsResult> {
  let action: ToolOutcome['action'];
  let transferFailed = false;
  for (const call of calls) {
    let outcome: ToolOutcome;
    if (signal.aborted) outcome = { result: JSON.stringify({ error: 'cancelled: caller interrupted' }) };
    else if (overLimit)
      outcome = { result: JSON.stringify({ error: 'not run: tool step limit for this turn reached' }) };
    else outcome = await runOneTool(ctx, call);
    ctx.history.addTool(call.id, outcome.result);
    ctx.onToolResult(call, outcome.result, outcome.action);
    if (call.name === 'transfer_call' && outcome.action !== 'transferred' && !signal.aborted)
      transferFailed = true;
    action ??= outcome.action;
  }
  return action ? { action, transferFailed } : { transferFailed };
}

async function runOneTool(ctx: ReplyContext, call: ToolCall): Promise<ToolOutcome> {
  const tool = ctx.tools.get(call.name);
  if (!tool) return { result: JSON.stringify({ error: `unknown tool ${call.name}` }) };
  const ended = ctx.toolRun();
  try {
    return await tool.run(call.arguments, ctx.toolContext(ctx.toolSignal));
  } catch (err) {
    ctx.log.warn({ tool: call.name, err: String(err) }, 'tool failed');
    return { result: JSON.stringify({ error: 'tool failed' }) };
  } finally {
    ended();
  }
}
