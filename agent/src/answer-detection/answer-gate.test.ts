import { describe, expect, it } from 'vitest';
import { ManualClock } from '../time/clock.js';
import { concatPcm, type Pcm16 } from '../audio/pcm.js';
import { DEFAULT_PROFILES, profileSchema } from '../config/profile-schema.js';
import type { CallEvent, CallHandler } from '../conversation/call-channel.js';
import { createLogger } from '../log.js';
import { MemoryCallChannel } from '../testing/memory-call.js';
import { MemoryTts, ScriptedStt, type MemorySttStream } from '../testing/memory-providers.js';
import { framesOf, silencePcm } from '../testing/speech-fixtures.js';
import { vowel } from '../testing/tone-signals.js';
import { AnswerGate, type AnswerRecordEntry } from './answer-gate.js';

const RATE = 8000;
const tick = () => new Promise((r) => setImmediate(r));

/** Speech-like audio: 220 ms syllables of a voiced vowel with 60 ms dips. */
function talk(ms: number): Int16Array {
  const syllable = concatPcm([vowel(140, 220, RATE), silencePcm(60, RATE)]);
  const out = new Int16Array((ms * RATE) / 1000);
  for (let at = 0; at < out.length; at += syllable.length) out.set(syllable.subarray(0, out.length - at), at);
  return out;
}

class RecordingHandler implements CallHandler {
  readonly audio: Pcm16[] = [];
  readonly events: CallEvent[] = [];
  closed: string | undefined;
  onAudio(pcm: Pcm16): void {
    this.audio.push(pcm);
  }
  onEvent(e: CallEvent): void {
    this.events.push(e);
  }
  async close(reason: string): Promise<void> {
    this.closed = reason;
  }
}

function setup(answerDetection: Record<string, unknown> = {}) {
  const clock = new ManualClock();
  const channel = new MemoryCallChannel(clock, { extra: { direction: 'outbound' } });
  const stt = new ScriptedStt();
  const tts = new MemoryTts(clock, { msPerChar: 10, chunkMs: 100 });
  const profile = profileSchema.parse({ ...DEFAULT_PROFILES.profiles[0], answerDetection });
  const started: { profile: typeof profile; handler: RecordingHandler }[] = [];
  const decisions: AnswerRecordEntry[] = [];
  const gate = AnswerGate.start({
    channel,
    profile,
    providers: { stt, tts },
    clock,
    log: createLogger('silent'),
    startConversation: (p) => {
      const handler = new RecordingHandler();
      started.push({ profile: p, handler });
      return handler;
    },
    onDecision: (d) => decisions.push(d),
  });
  /** Play audio frame by frame on the clock, letting the gate's async work run. */
  const play = async (pcm: Int16Array) => {
    for (const frame of framesOf(pcm, RATE)) {
      clock.advance(20);
      gate.onAudio(frame);
      await tick();
    }
  };
  const sttStream = () => stt.streams[0] as MemorySttStream;
  const say = (text: string, isFinal = false) =>
    sttStream().emit({ type: 'transcript', text, isFinal, speechFinal: isFinal, fromFinalize: false });
  return { clock, channel, stt, tts, gate, started, decisions, play, say, profile };
}

describe('AnswerGate', () => {
  it('a person: the conversation starts after the "hello?" and hears it first, then the live audio', async () => {
    const t = setup();
    await tick();
    const hello = concatPcm([silencePcm(300, RATE), talk(500)]);
    await t.play(hello);
    t.say('Hello?', true);
    await t.play(silencePcm(700, RATE));
    expect(t.started).toHaveLength(0);
    await t.play(silencePcm(200, RATE));
    expect(t.decisions).toEqual([
      expect.objectContaining({ kind: 'human', reason: 'short_greeting', action: 'converse' }),
    ]);
    expect(t.started).toHaveLength(1);
    const conv = t.started[0]!;
    expect(conv.profile.systemPrompt).toBe(t.profile.systemPrompt);
    const kept = conv.handler.audio.reduce((n, p) => n + p.length, 0);
    expect(kept).toBeGreaterThanOrEqual(hello.length); // the greeting and the silence after it
    expect(t.stt.streams[0]!.closed).toBe(true); // the gate's own STT is done
    await t.play(silencePcm(100, RATE));
    expect(conv.handler.audio.reduce((n, p) => n + p.length, 0)).toBe(kept + 800);
    expect(t.channel.of('hangup')).toHaveLength(0);
  });

  it('an IVR menu with navigate: the conversation gets a system note with the goal and send_dtmf', async () => {
    const t = setup({ ivr: { action: 'navigate', goal: 'reach billing' } });
    await tick();
    await t.play(talk(1500));
    t.say('Thank you for calling. Press 1 for sales, press 2 for billing.');
    await tick();
    expect(t.decisions[0]).toMatchObject({ kind: 'ivr', reason: 'transcript_cue', action: 'navigate' });
    const p = t.started[0]!.profile;
    expect(p.systemPrompt).toContain('automated phone menu');
    expect(p.systemPrompt).toContain('reach billing');
    expect(p.tools).toContain('send_dtmf');
  });

  it('voicemail with hang_up: hangs up at the decision, no conversation, nothing spoken', async () => {
    const t = setup({ voicemail: { action: 'hang_up' } });
    await tick();
    await t.play(talk(1200));
    t.say("Hi, you've reached Dana, please leave a message after the tone");
    await tick();
    expect(t.decisions[0]).toMatchObject({ kind: 'voicemail', action: 'hang_up' });
    expect(t.channel.of('hangup')).toEqual([expect.objectContaining({ reason: 'agent_hangup' })]);
    expect(t.started).toHaveLength(0);
    expect(t.tts.connects).toHaveLength(0);
  });

  it('voicemail with leave_message: waits for the greeting to end, speaks the message, then hangs up', async () => {
    const t = setup({ voicemail: { action: 'leave_message', message: 'Please call the clinic back.' } });
    await tick();
    await t.play(talk(1200));
    t.say('Please leave a message');
    await tick();
    await t.play(talk(800));
    expect(t.tts.connects).toHaveLength(0); // the greeting is still going
    await t.play(silencePcm(2600, RATE)); // no beep: the no-beep wait (2.5 s) ends the greeting
    expect(t.tts.connects).toHaveLength(1);
    for (let i = 0; i < 100 && t.channel.of('hangup').length === 0; i++) {
      t.clock.advance(50);
      await tick();
    }
    expect(t.channel.audioMs()).toBe('Please call the clinic back.'.length * 10);
    const hangup = t.channel.of('hangup')[0]!;
    const firstAudio = t.channel.of('audio')[0]!.at;
    expect(hangup.at - firstAudio).toBeGreaterThanOrEqual(t.channel.audioMs());
    expect(t.started).toHaveLength(0);
  });
});
