/**
 * Streamed chat completions with function calling through the official `openai` SDK (v6).
 * The SDK's own retries are off (maxRetries 0): retry lives in exactly one layer, ours.
 * Cancel with the request's AbortSignal (barge-in) or by leaving the for-await early: both abort
 * the HTTP stream. A caller-initiated abort ends the iterator quietly (no `done`, no throw); our own
 * timeouts (headers, a stall before or after the first token) throw ProviderError `timeout`.
 * Tool calls are announced as their first fragment arrives (`tool_call_started`), and the token
 * usage OpenAI reports at the end (stream_options.include_usage) comes out as a `usage` event.
 */
import OpenAI from 'openai';
import type { Logger } from '../../log.js';
import { ProviderError } from '../errors.js';
import type { LlmEvent, LlmProvider, LlmRequest } from '../types.js';
import { providerErrorFromOpenAi } from './openai-errors.js';
import { ToolCallAssembler, toOpenAiMessages, toOpenAiTools } from './openai-messages.js';

export interface OpenAiLlmConfig {
  /** Missing key → the stream throws ProviderError auth_failed when first used. */
  apiKey: string | undefined;
  /** e.g. http://127.0.0.1:4020/v1 for a local fake or a proxy. Default OpenAI's. */
  baseUrl?: string | undefined;
  /** Time allowed until the response headers arrive. Default 15 000 ms. */
  timeoutMs?: number;
  /** Longest gap between two stream chunks before we give up. Default 15 000 ms. */
  idleTimeoutMs?: number;
  log?: Logger;
}

export class OpenAiLlm implements LlmProvider {
  readonly name = 'openai';
  private client: OpenAI | undefined;

  constructor(private readonly config: OpenAiLlmConfig) {}

  private getClient(): OpenAI {
    if (!this.config.apiKey)
      throw new ProviderError('llm', 'auth_failed', 'OPENAI_API_KEY is not set', false);
    this.client ??= new OpenAI({
      apiKey: this.config.apiKey,
      ...(this.config.baseUrl ? { baseURL: this.config.baseUrl } : {}),
      maxRetries: 0,
      timeout: this.config.timeoutMs ?? 15_000,
    });
    return this.client;
  }

  stream(request: LlmRequest): AsyncIterable<LlmEvent> {
    return this.run(request);
  }

  private async *run(request: LlmRequest): AsyncGenerator<LlmEvent> {
    const client = this.getClient();
    if (request.signal.aborted) return;
    const local = new AbortController();
    const onAbort = (): void => local.abort();
    request.signal.addEventListener('abort', onAbort, { once: true });
    const idleMs = this.config.idleTimeoutMs ?? 15_000;
    let idleFired = false;
    let idle: NodeJS.Timeout | undefined;
    const armIdle = (): void => {
      clearTimeout(idle);
      idle = setTimeout(() => {
        idleFired = true;
        local.abort();
      }, idleMs);
    };
    try {
      armIdle();
      const stream = await client.chat.completions.create(
        {
          model: request.model,
          messages: toOpenAiMessages(request.messages),
          ...(request.tools.length ? { tools: toOpenAiTools(request.tools) } : {}),
          ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
          stream: true,
          stream_options: { include_usage: true },
        },
        { signal: local.signal },
      );
      const tools = new ToolCallAssembler();
      let finish: string | undefined;
      for await (const chunk of stream) {
        armIdle();
        if (chunk.usage) {
          const { prompt_tokens: promptTokens, completion_tokens: completionTokens } = chunk.usage;
          yield { type: 'usage', usage: { promptTokens, completionTokens } };
        }
        const choice = chunk.choices[0];
        if (!choice) continue;
        if (choice.delta?.content) yield { type: 'text', text: choice.delta.content };
        if (choice.delta?.tool_calls) {
          for (const started of tools.add(choice.delta.tool_calls))
            yield { type: 'tool_call_started', ...started };
        }
        if (choice.finish_reason) finish = choice.finish_reason;
      }
      if (finish === undefined) {
        throw new ProviderError('llm', 'closed', 'OpenAI stream ended before a finish_reason', true);
      }
      if (tools.size > 0) yield { type: 'tool_calls', calls: tools.result() };
      yield { type: 'done', finishReason: finish };
    } catch (err) {
      if (request.signal.aborted) return;
      const error = idleFired
        ? new ProviderError('llm', 'timeout', `no data from OpenAI for ${idleMs} ms`, true, { cause: err })
        : providerErrorFromOpenAi(err);
      this.config.log?.warn(
        { provider: 'openai', code: error.code, err: error.message },
        'llm stream failed',
      );
      throw error;
    } finally {
      clearTimeout(idle);
      request.signal.removeEventListener('abort', onAbort);
      local.abort(); // releases the HTTP stream when the consumer stopped early
    }
  }
}
