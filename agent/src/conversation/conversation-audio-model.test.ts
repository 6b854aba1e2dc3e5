/**
 * The audio end-of-turn model inside a call: the caller's audio reaches it, its probability picks
 * the endpointing delay, and a model that fails at run time falls back to the transcript policy for
 * the rest of the call, logged once, without ending the call.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../testing/conversation-harness.js';
import { tokens, tone } from '../testing/memory-providers.js';
import { headEnergyAudioModel } from '../testing/onnx-model.js';
import { loadOnnxTurnModel } from './turn/onnx-turn-model.js';
import type { TurnModel } from './turn/turn-model.js';

const audioModel = { turn: { detector: 'audio_model' } };

/** The caller speaks (real audio into the engine) for `seconds`, then the STT's final. */
async function speak(h: Harness, text: string, seconds: number): Promise<void> {
  h.vad.speechStart();
  for (let i = 0; i < seconds * 50; i++) {
    h.conv.onAudio(tone(160, 8000, 12_000));
    if (i % 10 === 0) await h.advance(200);
  }
  h.vad.speechEnd();
  for (let i = 0; i < 5; i++) h.conv.onAudio(new Int16Array(160));
  await h.settle();
  h.stt.final(text, true, true);
  await h.settle();
}

/** Wait (on real time, the model runs on onnxruntime's threads) until `cond` or a bound. */
async function until(h: Harness, cond: () => boolean, maxMs: number): Promise<void> {
  for (let t = 0; t < maxMs && !cond(); t += 10) {
    await new Promise((r) => setTimeout(r, 2));
    await h.advance(10);
  }
}

function captureLogs(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n'))
        if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}

describe('Conversation with an audio end-of-turn model', () => {
  it("the model's probability on the caller's audio picks the minimum or the maximum delay", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-conv-model-'));
    writeFileSync(join(dir, 'm.onnx'), headEnergyAudioModel(4));
    const model = await loadOnnxTurnModel(join(dir, 'm.onnx'));
    const delay = async (seconds: number): Promise<number> => {
      const h = await startHarness({ profile: audioModel, turnModel: model, llm: [tokens('Sure.')] });
      await h.untilListening();
      await speak(h, 'Book it.', seconds);
      await until(h, () => h.observer.turns.some((t) => t.userText === 'Book it.'), 5000);
      await h.conv.close('caller_hangup');
      return h.observer.turns.find((t) => t.userText === 'Book it.')!.timings.endOfUtteranceDelayMs!;
    };
    // 6 s of speech fills the head of the 8 s window: "complete" → the 300 ms minimum.
    expect(await delay(6)).toBeCloseTo(300, -1);
    // 1 s leaves the head empty: "not complete" → the 2000 ms maximum, though the words alone
    // ("Book it.") would look complete to the transcript policy.
    expect(await delay(1)).toBeCloseTo(2000, -1);
  });

  it('a model that fails at run time: transcript policy for the rest of the call, one log line, the call goes on', async () => {
    let calls = 0;
    const broken: TurnModel = {
      path: '/models/broken.onnx',
      predict: () => {
        calls++;
        return Promise.reject(new Error('ORT: input dimension mismatch'));
      },
    };
    const { logger, lines } = captureLogs();
    const h = await startHarness({
      profile: audioModel,
      turnModel: broken,
      logger,
      llm: [tokens('One.'), tokens('Two.')],
    });
    await h.untilListening();
    await h.say('First question?');
    await h.untilListening();
    await h.say('Second question?');
    await h.untilListening();

    expect(calls).toBe(1); // after the failure the model is not asked again on this call
    expect(h.tts.spoken()).toEqual(['Hello there.', 'One.', 'Two.']);
    const failures = lines.filter(
      (l) => l.msg === 'turn model failed; using the transcript policy for the rest of this call',
    );
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ callId: 'call-1', model: '/models/broken.onnx', level: 50 });
    expect(h.channel.of('hangup')).toEqual([]);
    // The transcript policy answered a complete question after the minimum delay.
    expect(h.observer.turns.at(-1)!.timings.endOfUtteranceDelayMs).toBeCloseTo(300, -1);
  });
});
