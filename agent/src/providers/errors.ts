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

/**
 * The one mapping of an HTTP status a vendor answered with (a refused request or WebSocket upgrade)
 * to a ProviderError: 401/403 auth, 408 timeout, 429 rate limit and 5xx are retryable except auth;
 * any other 4xx is the request's fault and retrying it would fail the same way.
 */
export function errorForHttpStatus(
  provider: ProviderKind,
  vendor: string,
  status: number,
  options?: { cause?: unknown },
): ProviderError {
  if (status === 401 || status === 403)
    return new ProviderError(
      provider,
      'auth_failed',
      `${vendor} rejected the credentials (${status})`,
      false,
      options,
    );
  if (status === 408)
    return new ProviderError(provider, 'timeout', `${vendor} request timeout (408)`, true, options);
  if (status === 429)
    return new ProviderError(provider, 'rate_limited', `${vendor} rate limit (429)`, true, options);
  if (status >= 500)
    return new ProviderError(provider, 'server_error', `${vendor} server error (${status})`, true, options);
  return new ProviderError(
    provider,
    'bad_response',
    `${vendor} refused the request (${status})`,
    false,
    options,
  );
}

/** Anything thrown by a provider as a ProviderError (unknown errors are retryable `closed`). */
export function asProviderError(provider: ProviderKind, err: unknown): ProviderError {
  if (err instanceof ProviderError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new ProviderError(provider, 'closed', `${provider} failed: ${message}`, true, { cause: err });
}
