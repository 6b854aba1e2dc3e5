/**
 * Helpers shared by the WebSocket adapters (Deepgram, Cartesia).
 *
 * Both SDKs hide the underlying `ws` socket's `unexpected-response` event and only hand us the
 * error `ws` raises for a refused upgrade, whose message is `Unexpected server response: <status>`
 * (ws/lib/websocket.js, abortHandshake). That message is the only place the HTTP status survives,
 * so this is the one spot where we read an SDK error's text; everything downstream uses codes.
 */
import { errorForHttpStatus, ProviderError, type ProviderKind } from './errors.js';

/** The message of an Error, an ErrorEvent (ws, browsers) or a string. */
export function messageOf(error: unknown): string {
  if (typeof error === 'string') return error;
  const m = (error as { message?: unknown } | null | undefined)?.message;
  return typeof m === 'string' ? m : String(error);
}

export function handshakeStatus(error: unknown): number | undefined {
  const message = messageOf(error);
  const m = /Unexpected server response: (\d{3})/.exec(message);
  return m ? Number(m[1]) : undefined;
}

/** A failed connect as a ProviderError with a stable code. */
export function connectError(provider: ProviderKind, vendor: string, error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  const status = handshakeStatus(error);
  if (status !== undefined) return errorForHttpStatus(provider, vendor, status, { cause: error });
  const message = messageOf(error);
  if (message === 'TIMEOUT' || /timed? ?out/i.test(message)) {
    return new ProviderError(provider, 'timeout', `${vendor} connect timed out`, true, { cause: error });
  }
  return new ProviderError(provider, 'connect_failed', `${vendor} connect failed: ${message}`, true, {
    cause: error,
  });
}

/** http(s)://host → ws(s)://host; ws(s) URLs pass through. Trailing slashes dropped. */
export function toWebSocketBase(url: string): string {
  const u = new URL(url);
  if (u.protocol === 'http:') u.protocol = 'ws:';
  else if (u.protocol === 'https:') u.protocol = 'wss:';
  return u.toString().replace(/\/+$/, '');
}

/** ws(s)://host → http(s)://host. */
export function toHttpBase(url: string): string {
  const u = new URL(url);
  if (u.protocol === 'ws:') u.protocol = 'http:';
  else if (u.protocol === 'wss:') u.protocol = 'https:';
  return u.toString().replace(/\/+$/, '');
}
