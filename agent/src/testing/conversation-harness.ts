/** One Conversation wired to in-memory providers and a manual clock, with helpers to drive a call. */
import { pino } from 'pino';
import { ManualClock } from '../time/clock.js';
import { profileSchema, type AgentProfile } from '../config/profile-schema.js';
import type { ConversationOptionsInput } from '../conversation/conversation-options.js';
import { Conversation } from '../conversation/conversation.js';
import type { CallMetadata } from '../conversation/call-channel.js';
import { MemoryCallChannel, MemoryObserver } from './memory-call.js';
import {
  MemoryTts,
  ScriptedLlm,
  ScriptedStt,
  type LlmScript,
  type MemoryTtsOptions,
} from './memory-providers.js';
import type { TurnModel } from '../conversation/turn/turn-model.js';
import type { VadFactory } from '../conversation/vad/vad.js';
import { scriptedVadFactory, type ScriptedVad } from './scripted-vad.js';

export interface HarnessOptions {
  profile?: Record<string, unknown>;
  llm?: LlmScript[];
  tts?: Partial<MemoryTtsOptions>;
  options?: ConversationOptionsInput;
  meta?: Partial<CallMetadata>;
  logger?: pino.Logger;
  /** A real VAD instead of the scripted one (harness.vad is then unusable). */
  vadFactory?: VadFactory;
  /** The audio end-of-turn model (profile turn.detector audio_model). */
  turnModel?: TurnModel;
  /** Runs before the conversation starts (script the providers' first answers). */
  beforeStart?: (p: { stt: ScriptedStt; llm: ScriptedLlm; tts: MemoryTts }) => void;
}

export interface Harness {
  clock: ManualClock;
  channel: MemoryCallChannel;
  stt: ScriptedStt;
  llm: ScriptedLlm;
  tts: MemoryTts;
  observer: MemoryObserver;
  vad: ScriptedVad;
  profile: AgentProfile;
  conv: Conversation;
  /** Let promises and async iterators run (no clock movement). */
  settle(): Promise<void>;
  /** Move the clock in 10 ms steps, settling after each. */
  advance(ms: number): Promise<void>;
  /**
   * The caller says `text`: VAD start, an interim, VAD end after `speechMs`, the STT's speech_final
   * 150 ms later; then the clock runs until the engine has taken the turn (bounded by 3 s).
   */
  say(text: string, speechMs?: number): Promise<void>;
  /** Advance until the engine reports the caller turn `text` as final (bounded). */
  untilTurn(text: string, maxMs?: number): Promise<void>;
  /** Advance until the agent is listening again (bounded). */
  untilListening(maxMs?: number): Promise<void>;
}

function userTurns(observer: MemoryObserver, text: string): number {
  return observer.events.filter(
    (e) => e.type === 'transcript' && e.role === 'user' && e.final && e.text === text,
  ).length;
}

export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

export async function startHarness(o: HarnessOptions = {}): Promise<Harness> {
  const clock = new ManualClock();
  const channel = new MemoryCallChannel(clock, o.meta);
  const stt = new ScriptedStt();
  const llm = new ScriptedLlm(clock, o.llm ?? []);
  const tts = new MemoryTts(clock, o.tts);
  const observer = new MemoryObserver();
  const vads = scriptedVadFactory();
  const profile = profileSchema.parse({
    name: 'test',
    systemPrompt: 'You are a test agent.',
    greeting: 'Hello there.',
    tools: ['end_call', 'transfer_call', 'send_dtmf'],
    transferTargets: [{ name: 'sales', uri: 'sip:sales@pbx.example.com', description: 'the sales team' }],
    // Scripted replies "think" for up to 1.5 s; retrying them is not what these tests are about.
    llm: { attemptTimeoutMs: 5000 },
    // No caller-silence backstop unless a test asks for it (many leave the caller quiet a while).
    backstops: { idleRepromptS: 0, idleHangupS: 0 },
    ...o.profile,
  });
  o.beforeStart?.({ stt, llm, tts });
  const conv = Conversation.start({
    channel,
    profile,
    providers: { stt, llm, tts },
    observer,
    clock,
    logger: o.logger ?? pino({ level: 'silent' }),
    vadFactory: o.vadFactory ?? vads,
    turnModel: o.turnModel,
    ...(o.options ? { options: o.options } : {}),
  });
  const advance = async (ms: number) => {
    for (let t = 0; t < ms; t += 10) {
      clock.advance(Math.min(10, ms - t));
      await settle();
    }
  };
  const h: Harness = {
    clock,
    channel,
    stt,
    llm,
    tts,
    observer,
    get vad() {
      return vads.last();
    },
    profile,
    conv,
    settle,
    advance,
    async say(text, speechMs = 600) {
      h.vad.speechStart();
      await advance(speechMs / 2);
      h.stt.interim(text.split(' ')[0] ?? text);
      await advance(speechMs / 2);
      h.vad.speechEnd();
      await advance(150);
      h.stt.final(text, true);
      await settle();
      await h.untilTurn(text);
    },
    async untilTurn(text, maxMs = 3000) {
      const already = userTurns(observer, text);
      for (let t = 0; t < maxMs && userTurns(observer, text) === already; t += 10) await advance(10);
    },
    async untilListening(maxMs = 20_000) {
      for (let t = 0; t < maxMs && !conv.isIdle(); t += 10) {
        await advance(10);
      }
    },
  };
  await settle();
  return h;
}
