/** createProviders wired to all three fakes through the env schema, as the agent does at start-up. */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { concatPcm } from '../audio/pcm.js';
import { envSchema } from '../config/env-schema.js';
import { createLogger } from '../log.js';
import { startFakeProviders, type FakeProviders } from '../testing/fakes/fake-providers.js';
import { framesOf, silencePcm, speechPcm } from '../testing/speech-fixtures.js';
import { createProviders } from './create.js';
import type { SttEvent, TtsEvent } from './types.js';

let fakes: FakeProviders | undefined;
afterEach(async () => {
  await fakes?.close();
  fakes = undefined;
});

function capturingLogger() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { log: createLogger('debug', sink), lines };
}

describe('createProviders', () => {
  it('builds working STT, LLM and TTS from the fakes env and logs no secret', async () => {
    fakes = await startFakeProviders({
      deepgram: { utterances: ['What time do you open?'] },
      openai: { replies: [{ text: 'We open at nine.', firstTokenMs: 10 }] },
    });
    const env = envSchema.parse(fakes.env);
    const { log, lines } = capturingLogger();
    const p = createProviders(env, { log });
    const signal = new AbortController().signal;

    const stt = await p.stt.connect({
      sampleRate: 8000,
      language: 'en',
      endpointingMs: 300,
      utteranceEndMs: 1000,
      signal,
    });
    const sttEvents: SttEvent[] = [];
    const sttDone = (async () => {
      for await (const e of stt) {
        sttEvents.push(e);
        if (e.type === 'utterance_end') stt.close();
      }
    })();
    for (const f of framesOf(
      concatPcm([speechPcm('what time do you open', 8000), silencePcm(600, 8000)]),
      8000,
    ))
      stt.push(f);
    await sttDone;
    expect(sttEvents.find((e) => e.type === 'transcript' && e.isFinal)).toMatchObject({
      text: 'What time do you open?',
    });

    let reply = '';
    for await (const e of p.llm.stream({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      tools: [],
      signal,
    })) {
      if (e.type === 'text') reply += e.text;
    }
    expect(reply).toBe('We open at nine.');

    const tts = await p.tts.connect({ sampleRate: 8000, voice: 'v', language: 'en', signal });
    const u = tts.utterance();
    u.pushText(reply);
    u.end();
    const ttsEvents: TtsEvent[] = [];
    for await (const e of u) ttsEvents.push(e);
    tts.close();
    expect(ttsEvents.filter((e) => e.type === 'audio').length).toBeGreaterThan(3);

    const logged = lines.join('');
    expect(logged).toContain('providers configured');
    for (const key of [fakes.env.DEEPGRAM_API_KEY, fakes.env.OPENAI_API_KEY, fakes.env.CARTESIA_API_KEY]) {
      expect(logged).not.toContain(key);
    }
  });

  it('starts without keys; each provider fails with auth_failed on first use', async () => {
    const p = createProviders(envSchema.parse({}));
    const signal = new AbortController().signal;
    await expect(
      p.stt.connect({ sampleRate: 8000, language: 'en', endpointingMs: 300, utteranceEndMs: 1000, signal }),
    ).rejects.toMatchObject({ provider: 'stt', code: 'auth_failed' });
    const llm = p.llm.stream({ model: 'm', messages: [], tools: [], signal });
    await expect(llm[Symbol.asyncIterator]().next()).rejects.toMatchObject({
      provider: 'llm',
      code: 'auth_failed',
    });
    await expect(
      p.tts.connect({ sampleRate: 8000, voice: 'v', language: 'en', signal }),
    ).rejects.toMatchObject({
      provider: 'tts',
      code: 'auth_failed',
    });
  });
});
