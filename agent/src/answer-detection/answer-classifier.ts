/**
 * Decides, after an outbound call is answered, whether a person, a voicemail greeting, an IVR menu
 * or a call-screening assistant picked up — from the callee's audio (speech timing, beep) and the
 * transcript so far — and, on voicemail, when to start the message (after the beep). Feed it the
 * callee's PCM with `push` and the transcript with `transcript`; read events by async iteration.
 * Time comes from the injected clock; decisions carry their latency from the answer and from the end
 * of the callee's speech.
 */
import type { Clock, TimerHandle } from '../time/clock.js';
import type { Pcm16 } from '../audio/pcm.js';
import { AsyncQueue } from '../streams/async-queue.js';
import {
  DEFAULT_ANSWER_THRESHOLDS,
  type AnswerClassifierOptions,
  type AnswerDecision,
  type AnswerEvent,
  type AnswerKind,
  type AnswerReason,
  type AnswerThresholds,
} from './answer-types.js';
import { BeepDetector, type Beep } from './beep-detector.js';
import { SpeechTimingTracker } from './speech-timing.js';
import { countWords, leadingKind, scoreTranscript, type CueScores } from './transcript-cues.js';

const FRAME_MS = 20;

export class AnswerClassifier implements AsyncIterable<AnswerEvent> {
  private readonly clock: Clock;
  private readonly t: AnswerThresholds;
  private readonly frameSamples: number;
  private readonly beeps: BeepDetector;
  private readonly speech = new SpeechTimingTracker();
  private readonly events = new AsyncQueue<AnswerEvent>({ capacity: 64 });
  private readonly startedAt: number;
  private carry: Int16Array = new Int16Array(0);
  private audioMs = 0;
  private lastPushAt: number;
  private text = '';
  private cues: CueScores = { scores: { voicemail: 0, ivr: 0, screening: 0, human: 0 }, matched: [] };
  private current: AnswerDecision | undefined;
  private beepHeard: Beep | undefined;
  private messageStarted = false;
  private timer: TimerHandle | undefined;
  /** Until this clock time a human or unknown decision may still turn into a machine. */
  private reviseUntil = -Infinity;
  private closed = false;

  constructor(options: AnswerClassifierOptions) {
    this.clock = options.clock;
    this.t = { ...DEFAULT_ANSWER_THRESHOLDS, ...options.thresholds };
    this.frameSamples = (options.sampleRate * FRAME_MS) / 1000;
    this.beeps = new BeepDetector({ sampleRate: options.sampleRate });
    this.startedAt = this.clock.now();
    this.lastPushAt = this.startedAt;
    this.timer = this.clock.setTimeout(() => this.onAnalysisTimeout(), this.t.maxAnalysisMs);
  }

  /** The decision, once made. */
  get decision(): AnswerDecision | undefined {
    return this.current;
  }

  /** The voicemail beep, once heard. */
  get beep(): Beep | undefined {
    return this.beepHeard;
  }

  /** The callee's audio since the answer, any chunk size, in order. */
  push(pcm: Pcm16): void {
    if (this.closed || this.done()) return;
    this.lastPushAt = this.clock.now();
    let samples: Int16Array = pcm;
    if (this.carry.length > 0) {
      samples = new Int16Array(this.carry.length + pcm.length);
      samples.set(this.carry);
      samples.set(pcm, this.carry.length);
    }
    let at = 0;
    for (; at + this.frameSamples <= samples.length && !this.done(); at += this.frameSamples) {
      this.frame(samples.subarray(at, at + this.frameSamples));
    }
    this.carry = samples.slice(at);
  }

  /** Everything the callee said so far, as the STT has it now (interim or final). */
  transcript(text: string): void {
    if (this.closed || (this.current && !this.revisable())) return;
    this.text = text;
    this.cues = scoreTranscript(text);
    const lead = leadingKind(this.cues.scores);
    if (lead.score < 2 || lead.lead < 1) return;
    if (this.current) this.revise(lead.kind, 'transcript_cue');
    else this.decide(lead.kind, 'transcript_cue');
  }

  /** Idempotent; the event stream ends. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.events.close();
  }

  [Symbol.asyncIterator](): AsyncIterator<AnswerEvent> {
    return this.events[Symbol.asyncIterator]();
  }

  /** Nothing more to learn: decided for good, or the voicemail message may start. */
  private done(): boolean {
    if (!this.current) return false;
    return this.current.kind === 'voicemail' ? this.messageStarted : !this.revisable();
  }

  /**
   * A person's "Hello?" and a greeting that pauses after "Hello?" sound the same until the greeting
   * goes on; for `reviseWithinMs` after deciding human (or unknown) a machine cue or a beep revises it.
   */
  private revisable(): boolean {
    const kind = this.current?.kind;
    return (kind === 'human' || kind === 'unknown') && this.clock.now() < this.reviseUntil;
  }

  private frame(pcm: Pcm16): void {
    const atMs = this.audioMs;
    this.audioMs += FRAME_MS;
    const beep = this.beeps.frame(pcm, atMs);
    this.speech.frame(pcm, atMs, FRAME_MS);
    if (beep) this.onBeep(beep);
    if (this.done()) return;
    if (!this.current) this.decideFromTiming();
    else if (this.current.kind === 'voicemail') this.maybeStartMessageWithoutBeep();
  }

  private onBeep(beep: Beep): void {
    this.beepHeard = beep;
    this.events.push({ type: 'beep', beep, at: this.clock.now() });
    if (!this.current) this.decide('voicemail', 'beep');
    else if (this.revisable()) this.revise('voicemail', 'beep');
    if (this.current?.kind === 'voicemail') this.startMessage(true);
  }

  private decideFromTiming(): void {
    const s = this.speech.snapshot();
    const t = this.t;
    if (s.segments === 0) {
      if (s.initialSilenceMs >= t.initialSilenceMs) this.decide('unknown', 'initial_silence');
      return;
    }
    if (s.speaking) {
      if (s.voicedMs >= t.maxGreetingMs) this.decide(this.machineKind(), 'long_greeting');
      return;
    }
    if (s.silenceAfterSpeechMs < t.afterGreetingSilenceMs) return;
    const words = this.words(s.segments);
    if (s.voicedMs <= t.maxHumanGreetingMs && words <= t.maxHumanWords)
      this.decide('human', 'short_greeting');
    else if (this.personOnABusinessLine()) this.decide('human', 'transcript_cue');
    else if (this.cueExpected(s.silenceAfterSpeechMs)) return;
    else this.decide(this.machineKind(), 'long_greeting');
  }

  /** A long greeting with no deciding cue yet: give the STT `cueGraceMs` more to catch up. */
  private cueExpected(silenceMs: number): boolean {
    const { voicemail, ivr, screening, human } = this.cues.scores;
    if (Math.max(voicemail, ivr, screening, human) >= 2) return false;
    return silenceMs < this.t.afterGreetingSilenceMs + this.t.cueGraceMs;
  }

  /** A long greeting that ends on "how can I help you?" with no deciding machine cue: a receptionist. */
  private personOnABusinessLine(): boolean {
    const { voicemail, ivr, screening, human } = this.cues.scores;
    return human >= 2 && Math.max(voicemail, ivr, screening) < 2;
  }

  /** The best-scoring machine class, voicemail when no cue says otherwise; ties go to IVR. */
  private machineKind(): 'voicemail' | 'ivr' | 'screening' {
    const { voicemail, ivr, screening } = this.cues.scores;
    const top = Math.max(voicemail, ivr, screening);
    if (top === 0) return 'voicemail';
    if (ivr === top) return 'ivr';
    return screening === top ? 'screening' : 'voicemail';
  }

  /** STT words when there is a transcript, else bursts of speech as app_amd counts words. */
  private words(segments: number): number {
    return this.text.trim() === '' ? segments : countWords(this.text);
  }

  private decide(kind: AnswerKind, reason: AnswerReason): void {
    if (this.current) return;
    const decision = this.describe(kind, reason);
    this.current = decision;
    this.events.push({ type: 'decision', decision });
    this.afterDecision();
  }

  private revise(kind: AnswerKind, reason: AnswerReason): void {
    const previous = this.current?.kind;
    if (previous === undefined || previous === kind) return;
    const decision = { ...this.describe(kind, reason), revises: previous };
    this.current = decision;
    this.events.push({ type: 'revised', decision });
    this.afterDecision();
  }

  private describe(kind: AnswerKind, reason: AnswerReason): AnswerDecision {
    const now = this.clock.now();
    const timing = this.speech.snapshot();
    const audioNow = this.audioMs + (now - this.lastPushAt);
    return {
      kind,
      reason,
      at: now,
      latencyMs: now - this.startedAt,
      afterSpeechEndMs: timing.lastSpeechEndMs === undefined ? undefined : audioNow - timing.lastSpeechEndMs,
      cues: [...this.cues.matched],
      timing,
      words: this.words(timing.segments),
    };
  }

  /** Voicemail: wait for the beep (bounded by maxMessageWaitMs); a person: listen on a while. */
  private afterDecision(): void {
    this.stop();
    const kind = this.current!.kind;
    if (kind === 'human' || kind === 'unknown') {
      if (this.current!.revises === undefined) this.reviseUntil = this.clock.now() + this.t.reviseWithinMs;
      return;
    }
    if (kind !== 'voicemail') return;
    if (this.beepHeard) {
      this.startMessage(true);
      return;
    }
    const wait = Math.max(0, this.startedAt + this.t.maxMessageWaitMs - this.clock.now());
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      if (!this.closed) this.startMessage(this.beepHeard !== undefined);
    }, wait);
  }

  /** Voicemail with no beep: the greeting ended a while ago and nothing followed. */
  private maybeStartMessageWithoutBeep(): void {
    const s = this.speech.snapshot();
    if (this.beeps.toneInProgress || s.speaking || s.lastSpeechEndMs === undefined) return;
    if (s.silenceAfterSpeechMs >= this.t.noBeepWaitMs) this.startMessage(false);
  }

  private startMessage(beepHeard: boolean): void {
    if (this.messageStarted) return;
    this.messageStarted = true;
    const at = this.clock.now();
    this.events.push({ type: 'leave_message', beepHeard, at, latencyMs: at - this.startedAt });
    this.stop();
  }

  private stop(): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private onAnalysisTimeout(): void {
    this.timer = undefined;
    if (this.closed || this.current) return;
    this.decide(this.speech.snapshot().segments === 0 ? 'unknown' : this.machineKind(), 'timeout');
  }
}
