/**
 * Runs the agent's side of turns, one at a time: a reply (LLM + tools), or a scripted phrase
 * (greeting, apology, goodbye). Owns the cancellation tree below the call (call → turn → LLM step),
 * each turn's ReplyStateMachine, the barge-in pause / hold / resume / interrupt moves, playout
 * draining and each turn's record. Tools run under the call's signal: an interruption never cancels
 * a tool in flight, and the next user message waits for its result (history stays well-formed).
 */
import type { Clock } from '../time/clock.js';
import type { PlayoutClock } from '../audio/playout-clock.js';
import type { AgentProfile } from '../config/profile-schema.js';
import type { Logger } from '../log.js';
import { ProviderError } from '../providers/errors.js';
import type { LlmRequest, Providers } from '../providers/types.js';
import type { AgentStateMachine } from './agent-state.js';
import type { CallChannel } from './call-channel.js';
import type { CallObserver } from './call-record.js';
import { sleep } from './clock-sleep.js';
import type { ConversationOptions } from './conversation-options.js';
import type { ChatHistory } from './history.js';
import { untilAborted } from './llm-timeouts.js';
import type { MarkTracker } from './mark-tracker.js';
import type { PrimedStream } from './preemption.js';
import { runReply, type ReplyOutcome } from './reply.js';
import { replyContext } from './reply-context.js';
import { agentStateFor, ReplyStateMachine } from './reply-state.js';
import { SpeechOutput } from './speech-output.js';
import type { ToolRegistry } from './tools/tool-registry.js';
import type { TransferWaiters } from './transfer-waiters.js';
import type { TtsLink } from './tts-link.js';
import type { TurnBuilder } from './turn-builder.js';
import { TurnOutput } from './turn-output.js';

export interface ActiveTurn {
  builder: TurnBuilder;
  /** Aborted when the reply stops: a real interruption, a newer turn, close. Not by a pause. */
  controller: AbortController;
  phase: ReplyStateMachine;
  output: TurnOutput;
  /** Tool runs started by this turn and not finished yet. */
  tools: Set<Promise<unknown>>;
  primed?: PrimedStream | undefined;
  task?: Promise<void>;
}

export interface TurnRunnerDeps {
  callId: string;
  options: ConversationOptions;
  profile: AgentProfile;
  providers: Providers;
  channel: CallChannel;
  observer: CallObserver;
  clock: Clock;
  log: Logger;
  history: ChatHistory;
  tools: ToolRegistry;
  playout: PlayoutClock;
  marks: MarkTracker;
  tts: TtsLink;
  state: AgentStateMachine;
  rootSignal: AbortSignal;
  transfers: TransferWaiters;
  hangup(reason: string): void;
  onTransferred(): void;
}

export interface BeginOptions {
  /** Runs once the old turn has unwound and its tools have finished (adds the user message). */
  before?: () => void;
  /** A reply prepared early for this turn. */
  primed?: PrimedStream | undefined;
}

/** How long a new turn waits for the one it replaces to unwind (it only has to notice an abort). */
const REPLACE_WAIT_MS = 250;
/** Longest wait for the old turn's tools (webhooks time out at ≤ 30 s, transfers at 20 s). */
const TOOLS_WAIT_MS = 35_000;

export class TurnRunner {
  private active: ActiveTurn | undefined;
  /** Turns interrupted while a tool was running; the next user message waits for those tools. */
  private readonly detached = new Set<ActiveTurn>();
  /** Bumped by every begin(); only the newest may start. */
  private generation = 0;
  /** Resolves when the last begin() has started its turn (or given up): begins go one at a time. */
  private starting: Promise<void> = Promise.resolve();

  constructor(private readonly d: TurnRunnerDeps) {}

  /**
   * Start a turn, replacing (interrupting) any previous one. Turns begin one at a time, in the order
   * asked: a turn asked for while an older one still waits for its predecessor to unwind supersedes
   * it — the older one's user words still enter history (in order), but it never runs. Two turns can
   * never run at once.
   */
  async begin(
    builder: TurnBuilder,
    job: (turn: ActiveTurn) => Promise<void>,
    o: BeginOptions = {},
  ): Promise<void> {
    const ticket = ++this.generation;
    const previous = this.active;
    this.replaceActive();
    const prior = this.starting;
    let release!: () => void;
    this.starting = new Promise((r) => (release = r));
    try {
      await prior;
      const waits = [previous, ...this.detached].filter((t): t is ActiveTurn => t !== undefined);
      await this.settleTools(waits);
      if (previous?.task)
        await Promise.race([previous.task, sleep(this.d.clock, REPLACE_WAIT_MS, this.d.rootSignal)]);
      if (this.d.rootSignal.aborted) return;
      o.before?.();
      if (ticket !== this.generation) {
        o.primed?.controller.abort(new Error('superseded by a newer turn'));
        o.primed?.phase.transition('cancelled');
        this.recordSuperseded(builder);
        return;
      }
      const output = new TurnOutput(() => this.newSpeech(turn));
      builder.output = output;
      const turn: ActiveTurn = {
        builder,
        controller: new AbortController(),
        phase: o.primed?.phase ?? new ReplyStateMachine('thinking'),
        output,
        tools: new Set(),
        primed: o.primed,
      };
      turn.phase.watch((to) => {
        if (this.active === turn) this.d.state.transition(agentStateFor(to));
      });
      this.active = turn;
      release();
      await this.run(turn, job);
    } finally {
      release();
    }
  }

  /** A turn that never ran (a newer one took over first): its record says so. */
  private recordSuperseded(builder: TurnBuilder): void {
    if (!builder.userText) return;
    const record = builder.finish(true);
    this.d.observer.turnCompleted(record);
    this.d.observer.live(this.d.callId, { type: 'turn', turn: record });
    this.d.log.info({ index: builder.index }, 'turn superseded before it began');
  }

  get current(): ActiveTurn | undefined {
    return this.active;
  }

  busy(): boolean {
    return this.active !== undefined && !this.active.controller.signal.aborted;
  }

  /** No reply running and no tool of an interrupted reply still in flight: history is stable. */
  settled(): boolean {
    return !this.busy() && this.detached.size === 0;
  }

  idle(): Promise<void> {
    return this.active?.task ?? Promise.resolve();
  }

  /** An LLM request for `userText` on top of the history now (what a reply's first step would send). */
  requestFor(userText: string): Omit<LlmRequest, 'signal'> {
    return {
      model: this.d.profile.llm.model,
      messages: [...this.d.history.messages(), { role: 'user', content: userText }],
      tools: this.d.tools.specs(),
      temperature: this.d.profile.llm.temperature,
    };
  }

  /** A new turn takes over: stop the old one where it is; its record says what was heard. */
  replaceActive(): void {
    const turn = this.active;
    if (!turn) return;
    this.stop(turn, 'replaced by a newer turn');
    this.complete(turn, true);
  }

  abortActive(): void {
    const turn = this.active;
    if (!turn) return;
    turn.output.cancel();
    turn.controller.abort(new Error('call closed'));
    turn.phase.transition('cancelled');
  }

  /** Report the active turn now (close). */
  finishActive(interrupted: boolean): void {
    const turn = this.active;
    if (!turn || turn.builder.finished) return;
    if (turn.builder.userText || turn.builder.agentText()) this.complete(turn, interrupted);
    this.active = undefined;
  }

  /** Caller audio while the agent is audible: kill playback at once, keep the reply (text, LLM, tools). */
  pause(): ActiveTurn | undefined {
    const turn = this.active;
    if (!turn || turn.controller.signal.aborted || !this.d.playout.isPlaying()) return undefined;
    const heardMs = this.killPlayback();
    turn.output.withhold();
    turn.phase.transition('paused');
    this.d.log.info({ heardMs }, 'caller audio while speaking: playout paused');
    return turn;
  }

  /** Caller speech while the agent is still thinking (nothing audible): withhold the reply's output. */
  hold(): ActiveTurn | undefined {
    const turn = this.active;
    if (!turn || turn.controller.signal.aborted || this.d.playout.isPlaying()) return undefined;
    if (!turn.phase.transition('held')) return undefined;
    turn.output.withhold();
    this.d.log.info('caller speech while thinking: reply held');
    return turn;
  }

  /** Not an interruption after all: say the rest from where the caller stopped hearing it. */
  resume(turn: ActiveTurn): void {
    if (this.active !== turn || turn.controller.signal.aborted) return;
    turn.phase.transition('thinking');
    turn.output.release();
    this.d.log.info('false interruption: resuming the reply');
  }

  /** A real interruption: stop the LLM and the speech; history keeps what was heard; tools go on. */
  interrupt(turn: ActiveTurn): void {
    if (this.active !== turn || turn.controller.signal.aborted) return;
    this.stop(turn, 'caller interrupted');
    this.d.log.info({ heard: turn.output.heardText().length }, 'caller interrupted the reply');
    this.complete(turn, true);
  }

  /** The LLM reply to the user message just added to history. */
  async reply(turn: ActiveTurn): Promise<void> {
    this.d.state.transition('thinking');
    await this.d.tts.ensure();
    const outcome = await runReply(replyContext(this.d, turn), turn.controller.signal);
    await this.handleOutcome(turn, outcome);
  }

  /** Say a fixed phrase as part of `turn` (greeting, apology, goodbye); history holds what was heard. */
  async speakInTurn(turn: ActiveTurn, text: string): Promise<void> {
    const signal = turn.controller.signal;
    if (signal.aborted) return;
    const voice = turn.output.voice();
    voice.historyIndex = this.d.history.addAssistant(text);
    try {
      voice.push(text);
    } catch {
      this.d.history.setAssistantText(voice.historyIndex, '');
      this.d.log.error({ text }, 'TTS is down; the phrase cannot be spoken');
      return;
    }
    voice.end();
    const res = await untilAborted(voice.done, signal);
    if (signal.aborted || res.status !== 'failed') return;
    this.d.history.setAssistantText(voice.historyIndex, voice.heardText());
    this.d.log.error({ text }, 'TTS failed while speaking a fixed phrase');
    this.d.observer.live(this.d.callId, { type: 'error', stage: 'tts', code: errorCode(res.error) });
  }

  /** Resolves when the turn's output has all played to the caller (or the turn stops). */
  async drain(turn: ActiveTurn): Promise<void> {
    const signal = turn.controller.signal;
    for (let i = 0; i < 10_000 && !signal.aborted; i++) {
      const changed = turn.output.whenChanged();
      if (turn.output.withheld || turn.output.busy()) {
        await untilAborted(changed, signal);
        continue;
      }
      if (!this.d.playout.isPlaying()) return;
      await Promise.race([sleep(this.d.clock, this.d.playout.remainingMs() + 1, signal), changed]);
    }
  }

  /** The VAD's end of speech can arrive after the STT ended the turn; it still times the turn. */
  noteSpeechEnd(at: number): void {
    const b = this.active?.builder;
    if (b && b.speechEndedAt === undefined && b.decidedAt !== undefined && at <= b.decidedAt)
      b.speechEndedAt = at;
  }

  private async settleTools(turns: ActiveTurn[]): Promise<void> {
    const runs = turns.flatMap((t) => [...t.tools]);
    if (runs.length === 0) return;
    this.d.log.info({ tools: runs.length }, 'waiting for tools in flight before the next turn');
    await Promise.race([Promise.allSettled(runs), sleep(this.d.clock, TOOLS_WAIT_MS, this.d.rootSignal)]);
  }

  private stop(turn: ActiveTurn, why: string): void {
    if (turn.controller.signal.aborted) return;
    if (this.d.playout.isPlaying()) this.killPlayback();
    turn.output.cancel();
    for (const v of turn.output.voices) {
      if (v.historyIndex !== undefined) this.d.history.setAssistantText(v.historyIndex, v.heardText());
    }
    turn.controller.abort(new Error(why));
    turn.phase.transition('interrupted');
    if (turn.tools.size > 0) {
      this.detached.add(turn);
      void Promise.allSettled([...turn.tools]).then(() => this.detached.delete(turn));
    }
  }

  private async run(turn: ActiveTurn, job: (turn: ActiveTurn) => Promise<void>): Promise<void> {
    const onRoot = () => turn.controller.abort(this.d.rootSignal.reason);
    this.d.rootSignal.addEventListener('abort', onRoot, { once: true });
    const task = (async () => {
      try {
        await job(turn);
      } catch (err) {
        this.d.log.error({ err: String(err) }, 'turn failed');
      }
      if (turn.controller.signal.aborted) return;
      await this.drain(turn);
      if (!turn.controller.signal.aborted) this.complete(turn, false);
    })().finally(() => this.d.rootSignal.removeEventListener('abort', onRoot));
    turn.task = task;
    return task;
  }

  private async handleOutcome(turn: ActiveTurn, outcome: ReplyOutcome): Promise<void> {
    const log = this.d.log;
    switch (outcome.status) {
      case 'aborted':
        return;
      case 'llm_failed':
        log.error({ err: describe(outcome.error) }, 'LLM failed mid-turn; apologising');
        this.d.observer.live(this.d.callId, { type: 'error', stage: 'llm', code: errorCode(outcome.error) });
        turn.builder.faults.push({ stage: 'llm', code: errorCode(outcome.error), action: 'apologized' });
        await this.speakInTurn(turn, this.d.options.phrases.apology);
        return;
      case 'tts_failed':
        log.error({ err: describe(outcome.error) }, 'TTS failed mid-turn; reconnecting once');
        this.d.observer.live(this.d.callId, { type: 'error', stage: 'tts', code: errorCode(outcome.error) });
        turn.builder.faults.push({ stage: 'tts', code: errorCode(outcome.error), action: 'apologized' });
        if (await this.d.tts.reconnect()) await this.speakInTurn(turn, this.d.options.phrases.apology);
        else log.error('TTS is down; the apology cannot be spoken');
        return;
      case 'done':
        if (outcome.transferFailed && !outcome.spokeAfterTransfer) {
          await this.speakInTurn(turn, this.d.options.phrases.transferFailed);
        }
        if (outcome.action === 'transferred') this.d.onTransferred();
        if (outcome.action === 'end_call') {
          await this.drain(turn);
          if (turn.controller.signal.aborted) return;
          // The turn ended as planned: record it before the hangup closes the call (which would
          // otherwise report it as cut short).
          this.complete(turn, false);
          this.d.hangup('agent_hangup');
        }
        return;
    }
  }

  private newSpeech(turn: ActiveTurn): SpeechOutput {
    const conn = this.d.tts.connection;
    if (!conn) throw new ProviderError('tts', 'closed', 'TTS is not connected', true);
    return new SpeechOutput(conn, {
      channel: this.d.channel,
      playout: this.d.playout,
      marks: this.d.marks,
      clock: this.d.clock,
      sampleRate: this.d.channel.metadata.playbackSampleRate,
      firstAudioTimeoutMs: this.d.options.timeouts.ttsFirstAudioMs,
      onFirstAudio: () => {
        if (this.active !== turn || turn.controller.signal.aborted) return;
        turn.phase.transition('speaking');
      },
    });
  }

  /** killAudio to the media side, then forget the queue. Returns ms the caller heard of what was sent. */
  private killPlayback(): number {
    this.d.channel.killAudio();
    this.d.playout.flush();
    this.d.marks.onKill();
    return this.d.playout.heardMs();
  }

  /** Record a turn that ran to its end now (a goodbye about to hang up). */
  completeNow(turn: ActiveTurn): void {
    this.complete(turn, false);
  }

  private complete(turn: ActiveTurn, interrupted: boolean): void {
    if (turn.builder.finished) return;
    if (!interrupted) turn.phase.transition('done');
    const record = turn.builder.finish(interrupted);
    this.d.observer.turnCompleted(record);
    this.d.observer.live(this.d.callId, { type: 'turn', turn: record });
    if (record.agentText) {
      this.d.observer.live(this.d.callId, {
        type: 'transcript',
        role: 'agent',
        text: record.agentText,
        final: true,
      });
    }
    if (this.active === turn) {
      this.active = undefined;
      this.d.state.transition('listening');
    }
  }
}

function errorCode(err: unknown): string {
  return err instanceof ProviderError ? err.code : 'unknown';
}

function describe(err: unknown): Record<string, unknown> {
  return err instanceof ProviderError
    ? { provider: err.provider, code: err.code, retryable: err.retryable, message: err.message }
    : { message: String(err) };
}
