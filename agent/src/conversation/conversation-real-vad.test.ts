import { describe, expect, it } from 'vitest';
import { startHarness } from '../testing/conversation-harness.js';
import { makeSpeech } from '../testing/speech-fixtures.js';
import { vadFactory } from './vad/create-vad.js';
import { SILERO_VAD_DEFAULTS } from './vad/silero-vad.js';
import { WEBRTC_VAD_DEFAULTS } from './vad/webrtc-vad.js';

const GREETING =
  'Hello there, thanks for calling the test line. How can I help you today with anything at all?';

describe.each([
  ['webrtc', WEBRTC_VAD_DEFAULTS.onsetMs, 20],
  ['silero', SILERO_VAD_DEFAULTS.onsetMs, 32],
] as const)('barge-in with the real %s VAD on synthetic speech', (kind, onsetMs, frameMs) => {
  it('kills playback within the onset window (+ one model frame) of the caller starting to speak', async () => {
    const speech = makeSpeech('Excuse me, I have a question.', 8000, 0);
    const h = await startHarness({ profile: { greeting: GREETING }, vadFactory: vadFactory(kind) });
    const frame = 160;
    const feed = async (pcm: Int16Array) => {
      for (let i = 0; i < pcm.length; i += frame) {
        h.clock.advance(20);
        h.conv.onAudio(pcm.subarray(i, i + frame));
        await h.conv['vad'].whenIdle();
        await h.settle();
      }
    };
    await feed(new Int16Array(8000)); // 1 s of line silence while the greeting plays
    expect(h.conv.agentState).toBe('speaking');
    const speechStartsAt = h.clock.now() + speech.speechStartMs;
    await feed(speech.pcm.subarray(0, 8000 * 0.6));
    const kill = h.channel.of('killAudio');
    expect(kill).toHaveLength(1);
    const reactionMs = kill[0]!.at - speechStartsAt;
    console.log(`${kind} VAD barge-in reaction (first speech audio in → killAudio out): ${reactionMs} ms`);
    expect(reactionMs).toBeGreaterThanOrEqual(onsetMs - 20);
    expect(reactionMs).toBeLessThanOrEqual(onsetMs + frameMs + 20);
    await h.conv.close('caller_hangup');
  });
});
