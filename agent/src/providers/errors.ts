/** Stable codes for provider failures; callers branch on `code` and `retryable`, never on message text. */
export type ProviderErrorCode =
  | 'connect_failed'
  | 'auth_failed'
  | 'timeout'
  | 'rate_limited'
  | 'server_error'
  | 'bad_response'
  | 'closed'
  | 'aborted';

export type ProviderKind = 'stt' | 'llm' | 'tts';

export class ProviderError extends Error {
  constructor(
    readonly provider: ProviderKind,
    readonly code: ProviderErrorCode,
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ProviderError';
  }
}
