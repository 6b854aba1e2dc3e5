/**
 * What was that caller sound during the agent's reply? The reply is already paused (playout killed,
 * text and tools kept) or held (output withheld while the agent was still thinking); the gate
 * decides whether the caller took the turn — `interrupt` — or not — `resume` from where they stopped
 * hearing. An interruption needs BOTH at least `minDurationMs` of caller speech and at least one
 * transcribed word that is not a backchannel ("uh-huh", "yeah", "ok"); a cough, a door or a
 * backchannel resumes the reply. LiveKit Agents does the same with min_duration, min_words and
 * resume_false_interruption (research voice-agents §1a).
 */
import type { Clock, TimerHandle } from '../../time/clock.js';
import type { BackchannelMatcher } from './backchannel.js';

export interface InterruptionGateOptions {
  minDurationMs: number;
  /** After the caller falls silent with no real word, resume after this long. */
  falseInterruptionMs: number;
  /** Sound with no words for this long (a TV, traffic) resumes the reply anyway. */
  maxWordlessMs: number;
  backchannels: BackchannelMatcher;
}

export type GateKind = 'pause' | 'hold';

export interface GateSink {
  interrupt(): void;
  resume(): void;
}

export type GateVerdict = 'interrupt' | 'resume';

export class InterruptionGate {
  private sink: GateSink | undefined;
  private gateKind: GateKind = 'pause';
  private speaking = false;
  private runStartAt = 0;
  private spokenMs = 0;
  private lastEndAt = 0;
  private startedAt = 0;
  private finals: string[] = [];
  private interim = '';
  private timer: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly o: InterruptionGateOptions,
  ) {}

  get active(): boolean {
    return this.sink !== undefined;
  }

  get kind(): GateKind {
    return this.gateKind;
  }

  /** The reply was just paused or held; `speechStartedAt` is the caller's onset if they are speaking. */
  begin(kind: GateKind, sink: GateSink, speechStartedAt: number | undefined): void {
    this.cancel();
    const now = this.clock.now();
    this.sink = sink;
    this.gateKind = kind;
    this.speaking = speechStartedAt !== undefined;
    this.runStartAt = speechStartedAt ?? now;
    this.lastEndAt = now;
    this.startedAt = now;
    this.spokenMs = 0;
    this.finals = [];
    this.interim = '';
    this.check();
  }

  onSpeechStart(at: number): void {
    if (!this.active || this.speaking) return;
    this.speaking = true;
    this.runStartAt = at;
    this.check();
  }

  onSpeechEnd(at: number): void {
    if (!this.active || !this.speaking) return;
    this.spokenMs += Math.max(0, at - this.runStartAt);
    this.speaking = false;
    this.lastEndAt = at;
    this.check();
  }

  onTranscript(text: string, isFinal: boolean): void {
    if (!this.active) return;
    const t = text.trim();
    if (isFinal) {
      if (t) this.finals.push(t);
      this.interim = '';
    } else {
      this.interim = t;
    }
    this.check();
  }

  /** The turn detector finished a turn while the gate was open: a backchannel resumes, real words interrupt. */
  onTurn(text: string): GateVerdict | undefined {
    if (!this.active) return undefined;
    const verdict: GateVerdict = this.o.backchannels.realWords(text) === 0 ? 'resume' : 'interrupt';
    this.resolve(verdict);
    return verdict;
  }

  /** The caller's sound ended and the STT found no words in it. */
  onWordless(): void {
    if (this.active && !this.speaking && this.realWords() === 0) this.resolve('resume');
  }

  cancel(): void {
    this.clearTimer();
    this.sink = undefined;
  }

  private realWords(): number {
    const finals = this.finals.join(' ');
    if (!this.interim) return this.o.backchannels.realWords(finals);
    return this.o.backchannels.realWords(`${finals} ${this.interim}`, true);
  }

  private check(): void {
    this.clearTimer();
    const now = this.clock.now();
    const words = this.realWords();
    const spoken = this.spokenMs + (this.speaking ? now - this.runStartAt : 0);
    if (words > 0 && spoken >= this.o.minDurationMs) return this.resolve('interrupt');
    if (words > 0 && this.speaking) {
      // Real words: an interruption as soon as the caller has spoken long enough.
      return this.recheckAt(this.runStartAt + this.o.minDurationMs - this.spokenMs);
    }
    if (words > 0) {
      // Real words but short ("no"): the turn detector's decision (onTurn) settles it; bounded.
      return this.resumeAt(now + this.o.maxWordlessMs);
    }
    if (this.speaking) return this.resumeAt(this.startedAt + this.o.maxWordlessMs);
    this.resumeAt(this.lastEndAt + this.o.falseInterruptionMs);
  }

  private recheckAt(at: number): void {
    this.timer = this.clock.setTimeout(
      () => {
        this.timer = undefined;
        this.check();
      },
      Math.max(0, at - this.clock.now()),
    );
  }

  private resumeAt(at: number): void {
    this.timer = this.clock.setTimeout(
      () => {
        this.timer = undefined;
        this.resolve('resume');
      },
      Math.max(0, at - this.clock.now()),
    );
  }

  private resolve(verdict: GateVerdict): void {
    const sink = this.sink;
    this.cancel();
    if (verdict === 'interrupt') sink?.interrupt();
    else sink?.resume();
  }

  private clearTimer(): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
