/**
 * The caller's side of turn-taking for one call: the end-of-turn decision (TurnDetector and its
 * scorer), preemptive replies, and what caller sound means while the agent talks or thinks (pause
 * or hold, then the interruption gate). It decides; the TurnRunner acts on the agent's turn.
 */
import type { Clock } from '../time/clock.js';
import type { Pcm16 } from '../audio/pcm.js';
import type { AgentProfile } from '../config/profile-schema.js';
import type { Logger } from '../log.js';
import type { SttEvent } from '../providers/types.js';
import type { AgentStateMachine } from './agent-state.js';
import type { CallObserver } from './call-record.js';
import type { ConversationOptions } from './conversation-options.js';
import type { ChatHistory } from './history.js';
import { BackchannelMatcher } from './interruption/backchannel.js';
import { InterruptionGate, type GateKind } from './interruption/interruption-gate.js';
import { Preemption, type PrimedStream } from './preemption.js';
import type { PreemptiveOutcome } from './call-record.js';
import { CallerAudioWindow } from './turn/caller-audio-window.js';
import type { TurnModel } from './turn/turn-model.js';
import { TurnDetector, type UserTurn } from './turn/turn-detector.js';
import { createScorer, detectorOptions } from './turn/turn-setup.js';
import type { ActiveTurn, TurnRunner } from './turn-runner.js';
import type { VadEvent } from './vad/vad.js';
import type { LlmProvider } from '../providers/types.js';

export interface TurnTakingDeps {
  callId: string;
  profile: AgentProfile;
  options: ConversationOptions;
  sampleRate: number;
  clock: Clock;
  log: Logger;
  llm: LlmProvider;
  turnModel: TurnModel | undefined;
  history: ChatHistory;
  runner: TurnRunner;
  state: AgentStateMachine;
  observer: CallObserver;
  rootSignal: AbortSignal;
  /** The STT's Finalize. */
  finalize(): void;
  /** The caller's words so far are settled (a turn, or noise dropped): no STT replay before here. */
  turnBoundary(): void;
  /** The call is saying goodbye: caller turns no longer start replies. */
  ending(): boolean;
  /** A caller turn to answer, with the early reply prepared for it (if it matched). */
  onTurn(turn: UserTurn, primed: PrimedStream | undefined, preemptive: PreemptiveOutcome | undefined): void;
}

export class TurnTaking {
  private readonly callerAudio: CallerAudioWindow | undefined;
  private readonly detector: TurnDetector;
  private readonly backchannels: BackchannelMatcher;
  private readonly gate: InterruptionGate;
  private readonly preemption: Preemption;

  constructor(private readonly d: TurnTakingDeps) {
    const turn = d.profile.turn;
    if (turn.detector === 'audio_model') this.callerAudio = new CallerAudioWindow(d.sampleRate);
    const scorer = createScorer({ turn, model: d.turnModel, window: this.callerAudio, log: d.log });
    this.detector = new TurnDetector(
      d.clock,
      detectorOptions(turn, d.options.finalizeTimeoutMs),
      {
        onTurn: (t) => {
          d.turnBoundary();
          this.onUserTurn(t);
        },
        finalize: () => d.finalize(),
        onLikelyEnd: (text) => this.onLikelyEnd(text),
        onResumed: () => this.preemption.cancel('caller went on'),
        onWordlessEnd: () => {
          d.turnBoundary();
          this.gate.onWordless();
        },
      },
      scorer,
    );
    this.backchannels = new BackchannelMatcher(turn.interruption.backchannelWords);
    this.gate = new InterruptionGate(d.clock, {
      minDurationMs: turn.interruption.minDurationMs,
      falseInterruptionMs: turn.interruption.falseInterruptionMs,
      maxWordlessMs: d.options.maxWordlessPauseMs,
      backchannels: this.backchannels,
    });
    this.preemption = new Preemption({
      llm: d.llm,
      clock: d.clock,
      log: d.log,
      rootSignal: d.rootSignal,
      maxAttempts: d.options.preemptiveMaxAttempts,
    });
  }

  /** Words heard but not yet part of a finished caller turn. */
  get pendingText(): string {
    return this.detector.pendingText;
  }

  onAudio(pcm: Pcm16): void {
    this.callerAudio?.push(pcm);
  }

  onVad(ev: VadEvent): void {
    this.detector.onVad(ev);
    if (ev.type === 'speech_start') this.onCallerSound(ev.at);
    else this.gate.onSpeechEnd(ev.at);
  }

  onStt(ev: SttEvent): void {
    const words = this.newWords(ev);
    if (words) {
      const final = ev.type === 'transcript' ? ev.isFinal : ev.type === 'turn' && ev.event === 'end';
      this.d.observer.live(this.d.callId, { type: 'transcript', role: 'user', text: words, final });
      if (!this.gate.active && this.d.state.state === 'speaking') this.onCallerSound(undefined);
      this.gate.onTranscript(words, final);
    }
    this.detector.onStt(ev);
  }

  /** The event's words not already part of a finished caller turn (a late final repeats them). */
  private newWords(ev: SttEvent): string {
    if (ev.type === 'turn') return ev.text.trim();
    if (ev.type !== 'transcript') return '';
    return (ev.isFinal ? this.detector.newWords(ev) : ev.text.trim()) ?? '';
  }

  /** Something else starts a turn (DTMF, an apology) or the STT restarts: drop what was pending. */
  interruptedBy(why: string, resetDetector: boolean): void {
    this.preemption.cancel(why);
    this.gate.cancel();
    if (resetDetector) this.detector.reset();
  }

  close(): void {
    this.gate.cancel();
    this.preemption.close();
    this.detector.reset();
  }

  /**
   * Caller sound (VAD onset, or words the VAD missed) — the priority path, never waits on anything.
   * While the agent is audible: pause playout now. While it is thinking: hold its reply.
   */
  private onCallerSound(onsetAt: number | undefined): void {
    if (this.d.ending() || this.d.rootSignal.aborted) return;
    if (this.gate.active) {
      if (onsetAt !== undefined) this.gate.onSpeechStart(onsetAt);
      return;
    }
    const paused = this.d.runner.pause();
    if (paused) return this.openGate('pause', paused, onsetAt);
    if (onsetAt === undefined) return;
    const held = this.d.runner.hold();
    if (held) this.openGate('hold', held, onsetAt);
  }

  private openGate(kind: GateKind, turn: ActiveTurn, onsetAt: number | undefined): void {
    this.gate.begin(
      kind,
      {
        interrupt: () => this.d.runner.interrupt(turn),
        resume: () => {
          this.detector.reset(); // the backchannel or cough is not part of any caller turn
          this.d.turnBoundary();
          this.d.runner.resume(turn);
        },
      },
      onsetAt,
    );
  }

  private onLikelyEnd(text: string): void {
    if (!this.d.profile.turn.preemptiveGeneration || this.d.ending() || this.gate.active) return;
    if (!this.d.runner.settled()) return;
    this.preemption.start(text, this.d.history.version, this.d.runner.requestFor(text));
  }

  private onUserTurn(t: UserTurn): void {
    if (this.d.ending() || this.d.rootSignal.aborted) return;
    if (this.gate.active) {
      if (this.gate.onTurn(t.text) === 'resume') {
        this.d.log.info({ user: t.text }, 'backchannel while the agent talks; resuming');
        return;
      }
    } else if (this.d.runner.busy() && this.backchannels.isBackchannel(t.text)) {
      this.d.log.info({ user: t.text }, 'backchannel while the agent talks; not a turn');
      return;
    }
    // An early reply is valid only on the history it was started on, with no reply still active.
    const version = this.d.runner.settled() ? this.d.history.version : -1;
    const claim = this.preemption.claim(t.text, version);
    this.gate.cancel();
    this.d.onTurn(t, claim.primed, claim.outcome);
  }
}
