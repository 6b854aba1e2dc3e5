/**
 * Engine race (issue 11): on shutdown calls record their end before SQLite closes. The whole agent
 * (startAgent) is stopped with a call waiting on its reply and another idle; the stored records must
 * say how the calls ended. (The ordering itself is proven deterministically in
 * src/fork/fork-keepalive.test.ts: ForkServer.close() resolves only after every call has closed.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { makeSpeech } from '../../src/testing/speech-fixtures.js';
import { e2eProfiles, greetingPlayed, startE2e, type E2e } from '../../src/testing/e2e-harness.js';

let h: E2e | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

describe('e2e over the fork: shutdown', () => {
  it('on shutdown calls record their end before SQLite closes (a call mid-reply, another idle)', async () => {
    h = await startE2e({
      profiles: e2eProfiles({ greeting: 'Hi, test desk.' }),
      // The reply is slow to start: the first call is thinking when the agent stops.
      script: {
        cartesia: { firstByteMs: 40 },
        deepgram: { utterances: ['What are your hours?'] },
        openai: { firstTokenMs: 5000, replies: [{ text: 'Nine to five.' }] },
      },
    });
    const busy = await h.call({ callId: 'shutdown-busy' });
    await greetingPlayed(h, busy);
    const idle = await h.call({ callId: 'shutdown-idle' });
    await greetingPlayed(h, idle);
    void busy.play(makeSpeech('What are your hours?', 8000, 300).pcm, {
      sampleRate: 8000,
      trailingSilenceMs: 200,
    });
    await h.fakes.openai.waitForRequests(1, 15_000);
    await h.agent.stop();
    for (const callId of ['shutdown-busy', 'shutdown-idle']) {
      const row = h.storedCall(callId);
      expect(row?.end_reason, callId).toBe('shutdown');
      expect(row?.ended_at, callId).toBeTruthy();
    }
    // Every turn stored is complete (the one cut short by the shutdown, if it began, as interrupted).
    const turns = h.storedTurns('shutdown-busy');
    expect(turns.length).toBeGreaterThanOrEqual(1);
    for (const t of turns) expect(t.ended_at).toBeTruthy();
  });
});
