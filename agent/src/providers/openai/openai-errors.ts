/** OpenAI SDK errors → ProviderError with stable codes (branch on class and status, never on text). */
import OpenAI from 'openai';
import { errorForHttpStatus, ProviderError } from '../errors.js';

export function providerErrorFromOpenAi(err: unknown): ProviderError {
  if (err instanceof ProviderError) return err;
  const opts = { cause: err };
  if (err instanceof OpenAI.APIUserAbortError)
    return new ProviderError('llm', 'aborted', 'LLM request aborted', false, opts);
  if (err instanceof OpenAI.APIConnectionTimeoutError) {
    return new ProviderError('llm', 'timeout', 'LLM request timed out', true, opts);
  }
  if (err instanceof OpenAI.APIConnectionError) {
    return new ProviderError('llm', 'connect_failed', `LLM connection failed: ${err.message}`, true, opts);
  }
  if (err instanceof OpenAI.APIError) {
    const status = err.status;
    if (status === undefined) {
      // An error event inside the SSE stream (research §3.2): the server gave up mid-reply.
      return new ProviderError('llm', 'server_error', `OpenAI stream error: ${err.message}`, true, opts);
    }
    return errorForHttpStatus('llm', 'OpenAI', status, opts);
  }
  const message = err instanceof Error ? err.message : String(err);
  return new ProviderError('llm', 'closed', `LLM stream failed: ${message}`, true, opts);
}
