/**
 * The STT stream lifecycle contract (providers/types.ts SttStream) as one suite, run against the
 * Deepgram adapter on the wire-faithful fake and against the in-memory double: quiet close and end,
 * one retryable error event on a drop (and no re-dial underneath), typed refusals. Test-only.
 */
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../providers/errors.js';
import type { SttEvent, SttOptions, SttStream } from '../../providers/types.js';

export interface SttSubject {
  connect(signal?: AbortSignal): Promise<SttStream>;
  /** The next connects are refused as an upgrade answered with `status`. */
  refuse(status: number): void;
  /** The server drops every open stream now. */
  drop(): void;
  /** Connection attempts the vendor side saw. */
  attempts(): number;
  close(): Promise<void>;
}

export function sttOptions(signal = new AbortController().signal): SttOptions {
  return {
    sampleRate: 8000,
    language: 'en',
    model: 'nova-3',
    endpointingMs: 300,
    utteranceEndMs: 1000,
    signal,
  };
}

function consume(stream: SttStream) {
  const events: SttEvent[] = [];
  let error: unknown;
  const ended = (async () => {
    try {
      for await (const e of stream) events.push(e);
    } catch (err) {
      error = err;
    }
  })();
  return { events, ended, error: () => error };
}

export function describeSttContract(name: string, make: () => Promise<SttSubject>): void {
  describe(`STT contract: ${name}`, () => {
    const withSubject = (fn: (s: SttSubject) => Promise<void>) => async () => {
      const s = await make();
      try {
        await fn(s);
      } finally {
        await s.close();
      }
    };

    it(
      'close() ends the stream quietly and is idempotent; aborting its signal closes it too',
      withSubject(async (s) => {
        const a = await s.connect();
        const ca = consume(a);
        a.close();
        a.close();
        await ca.ended;
        expect(ca.error()).toBeUndefined();
        expect(ca.events.filter((e) => e.type === 'error')).toEqual([]);
        const ac = new AbortController();
        const b = await s.connect(ac.signal);
        const cb = consume(b);
        ac.abort();
        await cb.ended;
        expect(cb.events.filter((e) => e.type === 'error')).toEqual([]);
      }),
    );

    it(
      'end() finishes the stream without an error',
      withSubject(async (s) => {
        const stream = await s.connect();
        const c = consume(stream);
        stream.push(new Int16Array(160));
        stream.end();
        await c.ended;
        expect(c.error()).toBeUndefined();
        expect(c.events.filter((e) => e.type === 'error')).toEqual([]);
      }),
    );

    it(
      'a server drop gives exactly one retryable error event, then the end; it never re-dials',
      withSubject(async (s) => {
        const stream = await s.connect();
        const c = consume(stream);
        stream.push(new Int16Array(160));
        s.drop();
        await c.ended;
        expect(c.error()).toBeUndefined();
        const errors = c.events.filter((e) => e.type === 'error');
        expect(errors).toHaveLength(1);
        const error = (errors[0] as Extract<SttEvent, { type: 'error' }>).error;
        expect(error).toBeInstanceOf(ProviderError);
        expect(error).toMatchObject({ provider: 'stt', retryable: true });
        stream.push(new Int16Array(160)); // after the drop: a no-op, not a throw
        await new Promise((r) => setTimeout(r, 300));
        expect(s.attempts()).toBe(1);
      }),
    );

    it.each([
      [503, 'server_error', true],
      [429, 'rate_limited', true],
      [401, 'auth_failed', false],
    ])('a connect refused with %i is ProviderError %s (retryable %s)', async (status, code, retryable) => {
      const s = await make();
      try {
        s.refuse(status);
        const err = await s.connect().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ProviderError);
        expect(err).toMatchObject({ provider: 'stt', code, retryable });
      } finally {
        await s.close();
      }
    });

    it(
      'a connect with an aborted signal is refused with ProviderError aborted',
      withSubject(async (s) => {
        const ac = new AbortController();
        ac.abort();
        await expect(s.connect(ac.signal)).rejects.toMatchObject({ code: 'aborted', retryable: false });
      }),
    );
  });
}
