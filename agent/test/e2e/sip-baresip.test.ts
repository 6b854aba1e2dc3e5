/**
 * End to end with a real SIP user agent: baresip (Debian's baresip-core) calls the whole agent
 * (startAgent, embedded gateway on 127.0.0.1:17080, RTP 27500–27599) with an espeak-ng WAV as its
 * microphone (aufile source) and records what it hears (sndfile's decoded-audio dump). The ALSA
 * "null" device stands in for a speaker. baresip SIP on 17081, its RTP on 28400–28449.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { concatPcm } from '../../src/audio/pcm.js';
import { encodeWav, parseWav } from '../../src/audio/wav.js';
import { runBaresip, writeBaresipConfig } from '../../src/testing/baresip.js';
import { makeSpeech } from '../../src/testing/speech-fixtures.js';
import { e2eProfiles, llmMessages, rmsOf, startE2e, until, type E2e } from '../../src/testing/e2e-harness.js';

const SIP_PORT = 17080;
const SAID = 'Hello, I would like to know your opening hours please.';
const GREETING = 'Hello.';
const REPLY = 'We are open from nine in the morning until five in the evening.';

let h: E2e | undefined;
let dir: string | undefined;
let baresip: ChildProcess | undefined;
afterEach(async () => {
  if (baresip?.exitCode === null) baresip.kill('SIGKILL');
  baresip = undefined;
  await h?.stop();
  h = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('baresip (a real SIP user agent) calls the agent', () => {
  it('the fake STT hears its espeak microphone; its recording of the agent is speech, not silence', async () => {
    h = await startE2e({
      sip: { port: SIP_PORT, rtpPorts: '27500-27599', transports: 'udp' },
      profiles: e2eProfiles({ greeting: GREETING }),
      script: {
        deepgram: { utterances: [SAID] },
        openai: { firstTokenMs: 50, replies: [{ text: REPLY }] },
        cartesia: { firstByteMs: 40 },
      },
    });
    dir = mkdtempSync(join(tmpdir(), 'baresip-e2e-'));
    writeBaresipConfig({ dir, sipListen: '127.0.0.1:17081', rtpPorts: '28400-28449' });
    // The microphone: 2.5 s of quiet while the greeting plays, the question, then quiet to the end.
    const speech = makeSpeech(SAID, 8000, 0).pcm;
    const mic = concatPcm([new Int16Array(8000 * 2.5), speech, new Int16Array(8000 * 20)]);
    writeFileSync(join(dir, 'mic.wav'), encodeWav({ sampleRate: 8000, samples: mic }));

    const run = await runBaresip(dir, `sip:7000@127.0.0.1:${SIP_PORT}`, 14, (c) => (baresip = c));
    expect(run.out).toMatch(/Call established/);

    // The agent heard the caller: real speech reached the fake Deepgram, and the transcript the LLM.
    const dg = h.fakes.deepgram.connections[0]!;
    expect(dg.speechMs).toBeGreaterThan(1000);
    expect(h.fakes.openai.requests).toHaveLength(1);
    expect(llmMessages(h.fakes.openai.requests[0]!.body).at(-1)).toEqual({ role: 'user', content: SAID });

    // The caller heard the agent: baresip's decoded-audio dump holds greeting + reply, not silence.
    const dec = readdirSync(join(dir, 'snd')).find((f) => f.endsWith('-dec.wav'));
    expect(dec, run.out).toBeDefined();
    const heard = parseWav(readFileSync(join(dir, 'snd', dec!)));
    expect(heard.sampleRate).toBe(8000);
    const frames: Int16Array[] = [];
    for (let i = 0; i + 160 <= heard.samples.length; i += 160)
      frames.push(heard.samples.subarray(i, i + 160));
    const loudMs = frames.filter((f) => rmsOf(f) > 300).length * 20;
    const sentMs = h.fakes.cartesia.contexts.reduce((n, c) => n + (c.samplesSent / 8000) * 1000, 0);
    expect(h.fakes.cartesia.contexts.map((c) => c.texts.join('').trim())).toEqual([GREETING, REPLY]);
    expect(loudMs).toBeGreaterThan(sentMs * 0.7);
    expect(rmsOf(heard.samples)).toBeGreaterThan(200);

    // baresip quit and hung up: the record is finished as a caller hangup.
    await until(() => !!h!.storedCalls()[0]?.end_reason, 10_000, 'call record ended');
    const row = h.storedCalls()[0]!;
    expect(row).toMatchObject({ to_addr: '7000', profile: 'e2e' });
    expect(row.end_reason).toBe('caller_hangup');
    expect(h.storedTurns(row.call_id).map((t) => t.user_text)).toEqual(['', SAID]);
  });
});
