/**
 * The TTS contract (providers/types.ts TtsConnection / TtsUtterance) as one suite, run against the
 * Cartesia adapter on the wire-faithful fake and against the in-memory double. Test-only.
 */
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../providers/errors.js';
import type { TtsConnection, TtsEvent, TtsUtterance } from '../../providers/types.js';

export interface TtsSubject {
  connect(): Promise<TtsConnection>;
  /** The vendor answers the next utterance with this status instead of audio. */
  errorNext(status: number): void;
  /** The vendor stops sending after this many chunks of the next utterance (socket stays open). */
  stallAfter(chunks: number): void;
  /** The server drops the connection once it has sent this many chunks. */
  dropAfter(chunks: number): void;
  /** The server closes the idle connection (an idle timeout). */
  closeIdle(): void;
  /** Connections the vendor side accepted. */
  connections(): number;
  close(): Promise<void>;
}

/** The subject's receive timeout (no audio after text), ms. */
export const TTS_CONTRACT_TIMEOUT_MS = 400;

async function collect(u: TtsUtterance): Promise<{ events: TtsEvent[]; error: unknown }> {
  const events: TtsEvent[] = [];
  try {
    for await (const e of u) events.push(e);
    return { events, error: undefined };
  } catch (error) {
    return { events, error };
  }
}

function say(u: TtsUtterance, text: string): Promise<{ events: TtsEvent[]; error: unknown }> {
  const done = collect(u);
  u.pushText(text);
  u.end();
  return done;
}

const audioCount = (events: TtsEvent[]) => events.filter((e) => e.type === 'audio').length;

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function describeTtsContract(name: string, make: () => Promise<TtsSubject>): void {
  describe(`TTS contract: ${name}`, () => {
    const withSubject = (fn: (s: TtsSubject, c: TtsConnection) => Promise<void>) => async () => {
      const s = await make();
      const c = await s.connect();
      try {
        await fn(s, c);
      } finally {
        c.close();
        await s.close();
      }
    };

    it(
      'speaks audio for the text and ends with done; two utterances share one connection',
      withSubject(async (s, c) => {
        for (const text of ['Hello there.', 'A second reply.']) {
          const { events, error } = await say(c.utterance(), text);
          expect(error).toBeUndefined();
          expect(audioCount(events)).toBeGreaterThan(0);
          expect(events.at(-1)).toEqual({ type: 'done' });
        }
        expect(c.isOpen()).toBe(true);
        expect(s.connections()).toBe(1);
      }),
    );

    it(
      'cancel() ends the utterance quietly and no audio follows',
      withSubject(async (_s, c) => {
        const u = c.utterance();
        const events: TtsEvent[] = [];
        const reading = (async () => {
          for await (const e of u) {
            events.push(e);
            if (events.length === 2) u.cancel();
          }
        })();
        u.pushText('A rather long sentence that would take many chunks of audio to speak out loud.');
        await reading;
        expect(events).toHaveLength(2);
        u.cancel(); // idempotent
      }),
    );

    it(
      "the vendor's error for an utterance is a retryable ProviderError; the connection stays usable",
      withSubject(async (s, c) => {
        s.errorNext(500);
        const { error } = await say(c.utterance(), 'Hello.');
        expect(error).toBeInstanceOf(ProviderError);
        expect(error).toMatchObject({ provider: 'tts', code: 'server_error', retryable: true });
        const next = await say(c.utterance(), 'Still here.');
        expect(next.events.at(-1)).toEqual({ type: 'done' });
      }),
    );

    it(
      'a drop mid-utterance fails it with closed; isOpen() turns false; later utterances fail fast; no re-dial',
      withSubject(async (s, c) => {
        s.dropAfter(3);
        const { events, error } = await say(
          c.utterance(),
          'A sentence long enough to need more than three chunks of audio.',
        );
        expect(audioCount(events)).toBeGreaterThan(0);
        expect(error).toMatchObject({ code: 'closed', retryable: true });
        await until(() => !c.isOpen());
        const next = await say(c.utterance(), 'Anyone there?');
        expect(next.error).toMatchObject({ code: 'closed', retryable: true });
        expect(audioCount(next.events)).toBe(0);
        expect(s.connections()).toBe(1);
      }),
    );

    it(
      'an idle connection the server closed reports isOpen() false and fails the next utterance, never re-dialling',
      withSubject(async (s, c) => {
        await say(c.utterance(), 'First.');
        s.closeIdle();
        await until(() => !c.isOpen());
        const { error } = await say(c.utterance(), 'After the idle drop.');
        expect(error).toMatchObject({ code: 'closed', retryable: true });
        expect(s.connections()).toBe(1);
      }),
    );

    it(
      'no audio within the receive timeout is a retryable ProviderError timeout',
      withSubject(async (s, c) => {
        s.stallAfter(0);
        const t0 = Date.now();
        const { error } = await say(c.utterance(), 'Words that never arrive.');
        expect(error).toMatchObject({ code: 'timeout', retryable: true });
        expect(Date.now() - t0).toBeLessThan(TTS_CONTRACT_TIMEOUT_MS * 4);
      }),
    );

    it(
      'close() ends open utterances quietly, is idempotent, and the connection is no longer open',
      withSubject(async (_s, c) => {
        const u = c.utterance();
        const reading = collect(u);
        u.pushText('Some words to say.');
        c.close();
        c.close();
        const { error } = await reading;
        expect(error).toBeUndefined();
        expect(c.isOpen()).toBe(false);
      }),
    );
  });
}
