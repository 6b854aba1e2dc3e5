/**
 * Dead-call backstops (issue 11 point 3) on the in-memory harness and a manual clock: the caller's
 * silence (a reprompt, then goodbye and hang up: caller_idle), the longest call (goodbye, then hang
 * up: max_duration) and the STT watchdog (the VAD hears speech, the STT sends nothing: reconnect).
 */
import { describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../testing/conversation-harness.js';
import { tokens } from '../testing/memory-providers.js';

const REPROMPT = 'Are you still there?';
const IDLE_GOODBYE = "I haven't heard anything, so I'll hang up now. Goodbye.";
const MAX_GOODBYE = "I'm sorry, we've reached the time limit for this call. Thank you for calling. Goodbye.";

async function untilHangup(h: Harness, maxMs = 20_000): Promise<string[]> {
  for (let t = 0; t < maxMs && h.channel.of('hangup').length === 0; t += 10) await h.advance(10);
  return h.channel.of('hangup').map((c) => c.reason);
}

describe('Conversation: backstops', () => {
  it('caller silence: the reprompt after idleRepromptS, goodbye and hangup after idleHangupS (caller_idle)', async () => {
    const h = await startHarness({ profile: { backstops: { idleRepromptS: 5, idleHangupS: 12 } } });
    await h.untilListening();
    await h.advance(4900);
    expect(h.tts.spoken()).not.toContain(REPROMPT);
    await h.advance(200);
    expect(h.tts.spoken().at(-1)).toBe(REPROMPT);
    await h.untilListening();
    expect(h.channel.of('hangup')).toHaveLength(0);
    expect(await untilHangup(h)).toEqual(['caller_idle']);
    expect(h.tts.spoken().at(-1)).toBe(IDLE_GOODBYE);
    await h.conv.close('caller_hangup');
    expect(h.observer.ended?.reason).toBe('caller_idle');
  });

  it('caller silence: speaking after the reprompt restarts the count; no hangup while the caller talks', async () => {
    const h = await startHarness({
      profile: { backstops: { idleRepromptS: 5, idleHangupS: 12 } },
      llm: [tokens('Yes, I am here.')],
    });
    await h.untilListening();
    await h.advance(5200);
    expect(h.tts.spoken().at(-1)).toBe(REPROMPT);
    await h.untilListening();
    await h.say('Sorry, I am here.');
    await h.untilListening();
    await h.advance(10_000); // 12 s after the greeting's reprompt, but not after the caller spoke
    expect(h.channel.of('hangup')).toHaveLength(0);
    expect(h.tts.spoken().filter((t) => t === REPROMPT)).toHaveLength(2); // a new silence, a new reprompt
  });

  it('longest call: after maxCallDurationS a polite goodbye, then hangup (max_duration)', async () => {
    const h = await startHarness({
      profile: { backstops: { maxCallDurationS: 20, idleRepromptS: 0, idleHangupS: 0 } },
      llm: [tokens('Sure.')],
    });
    await h.untilListening();
    await h.advance(10_000);
    await h.say('Hello?');
    await h.untilListening();
    expect(h.channel.of('hangup')).toHaveLength(0);
    expect(await untilHangup(h)).toEqual(['max_duration']);
    expect(h.clock.now()).toBeGreaterThanOrEqual(20_000);
    expect(h.tts.spoken().at(-1)).toBe(MAX_GOODBYE);
    await h.conv.close('caller_hangup');
    expect(h.observer.ended?.reason).toBe('max_duration');
  });

  it('STT watchdog: the VAD hears speech but the STT sends nothing for sttWatchdogMs: the stream is reopened', async () => {
    const h = await startHarness({
      profile: { backstops: { sttWatchdogMs: 2000, idleRepromptS: 0, idleHangupS: 0 } },
      options: { sttReconnectBackoffMs: 100 },
    });
    await h.untilListening();
    expect(h.stt.streams).toHaveLength(1);
    h.vad.speechStart(); // the caller talks, the STT stays silent (connected but deaf)
    await h.advance(1800);
    expect(h.stt.streams).toHaveLength(1);
    await h.advance(600);
    expect(h.stt.streams.length).toBeGreaterThanOrEqual(2);
  });
});
