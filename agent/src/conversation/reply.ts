/**
 * One reply to one user turn: LLM steps (streamed, with tools) whose text is cut into clauses and
 * spoken as it streams, tool calls executed between steps, at most `maxSteps` LLM calls per turn.
 * Cancellation: the turn's AbortSignal (barge-in, a newer turn, close) stops everything; history
 * then keeps only what the caller heard, and every tool call gets a result.
 */
import type { Clock } from '../time/clock.js';
import type { Logger } from '../log.js';
import { ProviderError } from '../providers/errors.js';
import type { LlmProvider, ToolCall } from '../providers/types.js';
import type { ChatHistory } from './history.js';
import type { SpeechOutput } from './speech-output.js';
import { TextChunker } from './text-chunker.js';
import type { ToolRegistry } from './tools/tool-registry.js';
import type { ToolContext, ToolOutcome } from './tools/tool-types.js';
import { untilAborted, withTimeouts } from './llm-timeouts.js';

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
  /** A new TTS utterance on the call's connection; throws ProviderError('tts') when TTS is down. */
  newSpeech(): SpeechOutput;
  toolContext(signal: AbortSignal): ToolContext;
  onLlmFirstToken(ttftMs: number): void;
  onToolResult(call: ToolCall, result: string): void;
}

/** The step that was cut short by barge-in, for trimming and for resuming a false interruption. */
export interface InterruptedStep {
  fullText: string;
  heardText: string;
  historyIndex: number | undefined;
}

export type ReplyOutcome =
  | {
      status: 'done';
      action?: 'end_call' | 'transferred';
      transferFailed: boolean;
      spokeAfterTransfer: boolean;
    }
  | { status: 'aborted'; interrupted?: InterruptedStep }
  | { status: 'llm_failed' | 'tts_failed'; error: unknown };

interface StepResult {
  text: string;
  toolCalls: ToolCall[];
  historyIndex: number;
}

export async function runReply(ctx: ReplyContext, signal: AbortSignal): Promise<ReplyOutcome> {
  let transferFailed = false;
  let spokeAfterTransfer = false;
  for (let step = 0; step < ctx.maxSteps; step++) {
    const res = await runStep(ctx, signal, step === 0);
    if ('status' in res) return res;
    if (transferFailed && res.text) spokeAfterTransfer = true;
    if (res.toolCalls.length === 0) return { status: 'done', transferFailed, spokeAfterTransfer };
    const last = step === ctx.maxSteps - 1;
    const tools = await runTools(ctx, res.toolCalls, signal, last);
    if (signal.aborted) return { status: 'aborted' };
    transferFailed ||= tools.transferFailed;
    if (tools.action) return { status: 'done', action: tools.action, transferFailed, spokeAfterTransfer };
  }
  return { status: 'done', transferFailed, spokeAfterTransfer };
}

async function runStep(
  ctx: ReplyContext,
  signal: AbortSignal,
  first: boolean,
): Promise<StepResult | Exclude<ReplyOutcome, { status: 'done' }>> {
  const chunker = new TextChunker();
  let speech: SpeechOutput | undefined;
  let text = '';
  const toolCalls: ToolCall[] = [];
  let historyIndex: number | undefined;
  const speak = (piece: string | undefined) => {
    if (!piece) return;
    speech ??= ctx.newSpeech();
    speech.pushText(piece);
  };
  const llm = withTimeouts(ctx.clock, signal, ctx.llmFirstTokenTimeoutMs, ctx.llmIdleTimeoutMs);
  try {
    const requestAt = ctx.clock.now();
    const stream = ctx.llm.stream({
      model: ctx.model,
      messages: ctx.history.messages(),
      tools: ctx.tools.specs(),
      temperature: ctx.temperature,
      signal: llm.signal,
    });
    for await (const ev of stream) {
      if (llm.tick() && first) ctx.onLlmFirstToken(ctx.clock.now() - requestAt);
      if (ev.type === 'text') {
        text += ev.text;
        for (const piece of chunker.push(ev.text)) speak(piece);
        if (speech) watchTts(speech, llm.abortForTts);
      } else if (ev.type === 'tool_calls') toolCalls.push(...ev.calls);
      else break;
    }
    llm.dispose();
    speak(chunker.flush());
    speech?.end();
    historyIndex = ctx.history.addAssistant(text.trim(), toolCalls);
    if (speech) speech.historyIndex = historyIndex;
    const played = speech ? await untilAborted(speech.done, signal) : { status: 'done' as const };
    if (signal.aborted) throw signal.reason;
    if (played.status === 'failed') {
      trimStep(ctx, speech, historyIndex, toolCalls, 'cancelled: speech failed');
      return { status: 'tts_failed', error: played.error };
    }
    return { text: text.trim(), toolCalls, historyIndex };
  } catch (err) {
    llm.dispose();
    const s = speech as SpeechOutput | undefined;
    if (signal.aborted) return abortedStep(ctx, s, text, toolCalls, historyIndex);
    s?.cancel();
    if (llm.ttsError !== undefined) return { status: 'tts_failed', error: llm.ttsError };
    if (err instanceof ProviderError && err.provider === 'tts') return { status: 'tts_failed', error: err };
    if (historyIndex === undefined && text.trim()) ctx.history.addAssistant(s?.heardText() ?? '');
    return { status: 'llm_failed', error: llm.timedOut ?? err };
  }
}

/** TTS failed while the LLM was still streaming: stop the LLM, the reply cannot be spoken. */
function watchTts(speech: SpeechOutput, abortForTts: (error: unknown) => void): void {
  void speech.done.then((r) => {
    if (r.status === 'failed') abortForTts(r.error ?? new ProviderError('tts', 'closed', 'tts failed', true));
  });
}

function abortedStep(
  ctx: ReplyContext,
  speech: SpeechOutput | undefined,
  text: string,
  toolCalls: ToolCall[],
  historyIndex: number | undefined,
): Exclude<ReplyOutcome, { status: 'done' }> {
  speech?.cancel();
  const heard = speech?.heardText() ?? '';
  const index = trimStep(ctx, speech, historyIndex, toolCalls, 'cancelled: caller interrupted');
  const fullText = text.replace(/\s+/g, ' ').trim();
  return { status: 'aborted', interrupted: { fullText, heardText: heard, historyIndex: index } };
}

/** Keep only the heard part of a step in history; its tool calls, never run, get a result each. */
function trimStep(
  ctx: ReplyContext,
  speech: SpeechOutput | undefined,
  historyIndex: number | undefined,
  toolCalls: ToolCall[],
  why: string,
): number | undefined {
  const heard = speech?.heardText() ?? '';
  if (historyIndex === undefined) return heard ? ctx.history.addAssistant(heard) : undefined;
  ctx.history.setAssistantText(historyIndex, heard);
  for (const call of toolCalls) ctx.history.addTool(call.id, JSON.stringify({ error: why }));
  return historyIndex;
}

async function runTools(
  ctx: ReplyContext,
  calls: ToolCall[],
  signal: AbortSignal,
  overLimit: boolean,
): Promise<{ action?: ToolOutcome['action']; transferFailed: boolean }> {
  let action: ToolOutcome['action'];
  let transferFailed = false;
  for (const call of calls) {
    let outcome: ToolOutcome;
    if (signal.aborted) outcome = { result: JSON.stringify({ error: 'cancelled: caller interrupted' }) };
    else if (overLimit)
      outcome = { result: JSON.stringify({ error: 'not run: tool step limit for this turn reached' }) };
    else outcome = await runOneTool(ctx, call, signal);
    ctx.history.addTool(call.id, outcome.result);
    ctx.onToolResult(call, outcome.result);
    if (call.name === 'transfer_call' && outcome.action !== 'transferred' && !signal.aborted)
      transferFailed = true;
    action ??= outcome.action;
  }
  return action ? { action, transferFailed } : { transferFailed };
}

async function runOneTool(ctx: ReplyContext, call: ToolCall, signal: AbortSignal): Promise<ToolOutcome> {
  const tool = ctx.tools.get(call.name);
  if (!tool) return { result: JSON.stringify({ error: `unknown tool ${call.name}` }) };
  try {
    return await tool.run(call.arguments, ctx.toolContext(signal));
  } catch (err) {
    ctx.log.warn({ tool: call.name, err: String(err) }, 'tool failed');
    return { result: JSON.stringify({ error: 'tool failed' }) };
  }
}
