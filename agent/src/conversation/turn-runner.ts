/**
 * Runs the agent's side of turns, one at a time: a reply (LLM + tools), a scripted phrase (greeting,
 * apology, goodbye) or a resumed remainder after a false interruption. Owns the cancellation tree
 * below the call (call → turn → reply), barge-in, playout draining and each turn's record.
 */
import type { Clock } from '../time/clock.js';
import type { PlayoutClock } from '../audio/playout-clock.js';
import type { AgentProfile } from '../config/profile-schema.js';
import type { Logger } from '../log.js';
import { ProviderError } from '../providers/errors.js';
import type { Providers } from '../providers/types.js';
import type { AgentStateMachine } from './agent-state.js';
import type { CallChannel } from './call-channel.js';
import type { CallObserver } from './call-record.js';
import { sleep } from './clock-sleep.js';
import type { ConversationOptions } from './conversation-options.js';
import type { ChatHistory } from './history.js';
import { untilAborted } from './llm-timeouts.js';
import type { MarkTracker } from './mark-tracker.js';
import { runReply, type InterruptedStep, type ReplyContext, type ReplyOutcome } from './reply.js';
import { SpeechOutput } from './speech-output.js';
import type { ToolRegistry } from './tools/tool-registry.js';
import type { TransferWaiters } from './transfer-waiters.js';
import type { TtsLink } from './tts-link.js';
import type { TurnBuilder } from './turn-builder.js';

export interface ActiveTurn {
  builder: TurnBuilder;
  controller: AbortController;
  bargedIn: boolean;
  interruptedStep?: InterruptedStep;
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

/** How long a new turn waits for the one it replaces to unwind (it only has to notice an abort). */
const REPLACE_WAIT_MS = 250;

export class TurnRunner {
  private active: ActiveTurn | undefined;
  private currentSpeech: SpeechOutput | undefined;

  constructor(private readonly d: TurnRunnerDeps) {}

  /** Start a turn, replacing (aborting) any previous one; `before` runs once the old turn has unwound. */
  async begin(
    builder: TurnBuilder,
    job: (turn: ActiveTurn) => Promise<void>,
    before?: () => void,
  ): Promise<void> {
    const previous = this.active?.task;
    this.replaceActive();
    if (previous) await Promise.race([previous, sleep(this.d.clock, REPLACE_WAIT_MS, this.d.rootSignal)]);
    if (this.d.rootSignal.aborted) return;
    before?.();
    const turn: ActiveTurn = { builder, controller: new AbortController(), bargedIn: false };
    this.active = turn;
    await this.run(turn, job);
  }

  busy(): boolean {
    return this.active !== undefined && !this.active.controller.signal.aborted;
  }

  idle(): Promise<void> {
    return this.active?.task ?? Promise.resolve();
  }

  /** A new turn takes over: stop the old one where it is; its record says what was heard. */
  replaceActive(): void {
    const turn = this.active;
    if (!turn) return;
    if (!turn.controller.signal.aborted) {
      if (this.d.playout.isPlaying()) this.killPlayback();
      this.stopCurrentSpeech(turn);
      turn.controller.abort(new Error('replaced by a newer turn'));
    }
    this.complete(turn, true);
  }

  abortActive(): void {
    this.currentSpeech?.cancel();
    this.active?.controller.abort(new Error('call closed'));
  }

  /** Report the active turn now (close, or a barge-in confirmed as real by transcript words). */
  finishActive(interrupted: boolean): void {
    const turn = this.active;
    if (!turn || turn.builder.finished) return;
    if (turn.builder.userText || turn.builder.agentText()) this.complete(turn, interrupted);
    this.active = undefined;
  }

  /** Caller speech while we play audio: kill playback first, then cancel the reply. */
  bargeIn(source: 'vad' | 'stt'): ActiveTurn | undefined {
    const turn = this.active;
    if (!turn || turn.controller.signal.aborted || !this.d.playout.isPlaying()) return undefined;
    const heardMs = this.killPlayback();
    this.stopCurrentSpeech(turn);
    turn.bargedIn = true;
    turn.controller.abort(new Error('barge-in'));
    this.d.state.transition('listening');
    this.d.log.info({ source, heardMs }, 'barge-in');
    return turn;
  }

  /** False interruption: speak what the caller did not hear of the interrupted reply. */
  resume(turn: ActiveTurn): void {
    if (this.active !== turn || turn.builder.finished || this.d.rootSignal.aborted) return;
    const step = turn.interruptedStep;
    const remainder = step ? step.fullText.slice(step.heardText.length).trim() : '';
    if (!step || !remainder) {
      this.complete(turn, true);
      return;
    }
    this.d.log.info({ remainderChars: remainder.length }, 'false interruption; resuming the reply');
    turn.bargedIn = false;
    turn.interruptedStep = undefined;
    void this.run(turn, (t) => this.speakRemainder(t, step, remainder));
  }

  /** The LLM reply to the user message just added to history. */
  async reply(turn: ActiveTurn): Promise<void> {
    this.d.state.transition('thinking');
    if (!this.d.tts.connection) await this.d.tts.ensure();
    const outcome = await runReply(this.replyContext(turn), turn.controller.signal);
    await this.handleOutcome(turn, outcome);
  }

  /** Say a fixed phrase as part of `turn` (greeting, apology, goodbye); history holds what was heard. */
  async speakInTurn(turn: ActiveTurn, text: string): Promise<void> {
    const signal = turn.controller.signal;
    if (signal.aborted) return;
    const index = this.d.history.addAssistant(text);
    let speech: SpeechOutput;
    try {
      speech = this.newSpeech(turn);
    } catch {
      this.d.history.setAssistantText(index, '');
      this.d.log.error({ text }, 'TTS is down; the phrase cannot be spoken');
      return;
    }
    speech.historyIndex = index;
    speech.pushText(text);
    speech.end();
    const res = await untilAborted(speech.done, signal);
    const heard = speech.heardText();
    if (signal.aborted) {
      this.d.history.setAssistantText(index, heard);
      turn.interruptedStep = { fullText: speech.text, heardText: heard, historyIndex: index };
    } else if (res.status === 'failed') {
      this.d.history.setAssistantText(index, heard);
      this.d.log.error({ text }, 'TTS failed while speaking a fixed phrase');
      this.d.observer.live(this.d.callId, { type: 'error', stage: 'tts', code: errorCode(res.error) });
    }
  }

  /** Resolves when everything sent has played to the caller (or `signal` aborts). */
  async drain(signal: AbortSignal): Promise<void> {
    for (let i = 0; i < 1000 && this.d.playout.isPlaying() && !signal.aborted; i++) {
      await sleep(this.d.clock, this.d.playout.remainingMs() + 1, signal);
    }
  }

  /** The VAD's end of speech can arrive after the STT ended the turn; it still times the turn. */
  noteSpeechEnd(at: number): void {
    const b = this.active?.builder;
    if (b && b.speechEndedAt === undefined && b.decidedAt !== undefined && at <= b.decidedAt)
      b.speechEndedAt = at;
  }

  private async run(turn: ActiveTurn, job: (turn: ActiveTurn) => Promise<void>): Promise<void> {
    turn.controller = new AbortController();
    const onRoot = () => turn.controller.abort(this.d.rootSignal.reason);
    this.d.rootSignal.addEventListener('abort', onRoot, { once: true });
    const task = (async () => {
      try {
        await job(turn);
      } catch (err) {
        this.d.log.error({ err: String(err) }, 'turn failed');
      }
      const signal = turn.controller.signal;
      if (signal.aborted) return;
      await this.drain(signal);
      if (!signal.aborted) this.complete(turn, false);
    })().finally(() => this.d.rootSignal.removeEventListener('abort', onRoot));
    turn.task = task;
    return task;
  }

  private async speakRemainder(turn: ActiveTurn, step: InterruptedStep, remainder: string): Promise<void> {
    const signal = turn.controller.signal;
    let speech: SpeechOutput;
    try {
      speech = this.newSpeech(turn);
    } catch {
      this.d.log.error('TTS is down; cannot resume the reply');
      return;
    }
    const full = joinText(step.heardText, remainder);
    let index = step.historyIndex;
    if (index !== undefined) this.d.history.setAssistantText(index, full);
    else index = this.d.history.addAssistant(full);
    speech.historyIndex = index;
    speech.historyPrefix = step.heardText;
    speech.pushText(remainder);
    speech.end();
    await untilAborted(speech.done, signal);
  }

  private async handleOutcome(turn: ActiveTurn, outcome: ReplyOutcome): Promise<void> {
    const log = this.d.log;
    switch (outcome.status) {
      case 'aborted':
        if (outcome.interrupted) turn.interruptedStep = outcome.interrupted;
        return;
      case 'llm_failed':
        log.error({ err: describe(outcome.error) }, 'LLM failed mid-turn; apologising');
        this.d.observer.live(this.d.callId, { type: 'error', stage: 'llm', code: errorCode(outcome.error) });
        await this.speakInTurn(turn, this.d.options.phrases.apology);
        return;
      case 'tts_failed':
        log.error({ err: describe(outcome.error) }, 'TTS failed mid-turn; reconnecting once');
        this.d.observer.live(this.d.callId, { type: 'error', stage: 'tts', code: errorCode(outcome.error) });
        if (await this.d.tts.reconnect()) await this.speakInTurn(turn, this.d.options.phrases.apology);
        else log.error('TTS is down; the apology cannot be spoken');
        return;
      case 'done':
        if (outcome.transferFailed && !outcome.spokeAfterTransfer) {
          await this.speakInTurn(turn, this.d.options.phrases.transferFailed);
        }
        if (outcome.action === 'transferred') this.d.onTransferred();
        if (outcome.action === 'end_call') {
          await this.drain(turn.controller.signal);
          if (!turn.controller.signal.aborted) this.d.hangup('agent_hangup');
        }
        return;
    }
  }

  private replyContext(turn: ActiveTurn): ReplyContext {
    const d = this.d;
    return {
      llm: d.providers.llm,
      model: d.profile.llm.model,
      temperature: d.profile.llm.temperature,
      history: d.history,
      tools: d.tools,
      clock: d.clock,
      log: d.log,
      maxSteps: d.options.maxToolSteps,
      llmFirstTokenTimeoutMs: d.options.timeouts.llmFirstTokenMs,
      llmIdleTimeoutMs: d.options.timeouts.llmIdleMs,
      newSpeech: () => this.newSpeech(turn),
      toolContext: (signal) => ({
        channel: d.channel,
        profile: d.profile,
        clock: d.clock,
        log: d.log,
        signal,
        awaitTransferResult: (s) => d.transfers.wait(s),
      }),
      onLlmFirstToken: (ms) => (turn.builder.llmTtftMs ??= ms),
      onToolResult: (call, result) => {
        turn.builder.toolCalls.push({ name: call.name, arguments: call.arguments, result });
        d.observer.live(d.callId, { type: 'tool', name: call.name, arguments: call.arguments, result });
      },
    };
  }

  private newSpeech(turn: ActiveTurn): SpeechOutput {
    const conn = this.d.tts.connection;
    if (!conn) throw new ProviderError('tts', 'closed', 'TTS is not connected', true);
    const speech = new SpeechOutput(conn, {
      channel: this.d.channel,
      playout: this.d.playout,
      marks: this.d.marks,
      clock: this.d.clock,
      sampleRate: this.d.channel.metadata.playbackSampleRate,
      firstAudioTimeoutMs: this.d.options.timeouts.ttsFirstAudioMs,
      onFirstAudio: () => {
        if (this.active === turn && !turn.controller.signal.aborted) this.d.state.transition('speaking');
      },
    });
    turn.builder.speeches.push(speech);
    this.currentSpeech = speech;
    return speech;
  }

  /**
   * Cancel the utterance in flight. If its text is already in history (the reply finished streaming
   * and is only playing out), trim that message to what was heard here, and remember the rest.
   */
  private stopCurrentSpeech(turn: ActiveTurn): void {
    const speech = this.currentSpeech;
    if (!speech) return;
    speech.cancel();
    if (speech.historyIndex === undefined || !turn.builder.speeches.includes(speech)) return;
    const heard = joinText(speech.historyPrefix, speech.heardText());
    this.d.history.setAssistantText(speech.historyIndex, heard);
    const fullText = joinText(speech.historyPrefix, speech.text);
    turn.interruptedStep = { fullText, heardText: heard, historyIndex: speech.historyIndex };
  }

  /** killAudio to the media side, then forget the queue. Returns ms the caller heard of what was sent. */
  private killPlayback(): number {
    this.d.channel.killAudio();
    this.d.playout.flush();
    this.d.marks.onKill();
    return this.d.playout.heardMs();
  }

  private complete(turn: ActiveTurn, interrupted: boolean): void {
    if (turn.builder.finished) return;
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

function joinText(a: string, b: string): string {
  return [a, b].filter((t) => t).join(' ');
}

function errorCode(err: unknown): string {
  return err instanceof ProviderError ? err.code : 'unknown';
}

function describe(err: unknown): Record<string, unknown> {
  return err instanceof ProviderError
    ? { provider: err.provider, code: err.code, retryable: err.retryable, message: err.message }
    : { message: String(err) };
}
