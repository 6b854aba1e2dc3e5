/**
 * One phone call's conversation: caller audio → VAD + STT → end-of-turn decision → LLM (tools) →
 * TTS → straight back to the media side. Caller sound while the agent talks pauses it at once; the
 * interruption gate then decides between a real interruption and a resume. A likely end of turn
 * starts the LLM early. Provider failures get a spoken apology; the call's record goes to the
 * observer turn by turn. Vendor SDKs are never imported here, only the provider interfaces.
 */
import type { Clock } from '../time/clock.js';
import type { Pcm16 } from '../audio/pcm.js';
import { PlayoutClock } from '../audio/playout-clock.js';
import type { AgentProfile } from '../config/profile-schema.js';
import type { Logger } from '../log.js';
import { callProviders } from '../providers/fallback/call-providers.js';
import { RouteHealth } from '../providers/fallback/route-health.js';
import type { Providers } from '../providers/types.js';
import { AgentStateMachine } from './agent-state.js';
import { CallBackstops } from './backstops/call-backstops.js';
import { CallFaults } from './call-faults.js';
import type { CallChannel, CallEvent, CallHandler } from './call-channel.js';
import { endReasonOf, type AgentState, type CallEndReason, type CallObserver } from './call-record.js';
import { sleep } from './clock-sleep.js';
import {
  resolveOptions,
  type ConversationOptions,
  type ConversationOptionsInput,
} from './conversation-options.js';
import { DtmfBatcher } from './dtmf-batcher.js';
import { ENGINE_END_REASONS, type EngineEndReason } from './end-reasons.js';
import { ChatHistory } from './history.js';
import { MarkTracker } from './mark-tracker.js';
import type { PrimedStream } from './preemption.js';
import { routingFor } from './provider-routing.js';
import { CallStt } from './call-stt.js';
import { TransferWaiters } from './transfer-waiters.js';
import { TtsLink } from './tts-link.js';
import { TurnBuilder } from './turn-builder.js';
import type { TurnModel } from './turn/turn-model.js';
import type { UserTurn } from './turn/turn-detector.js';
import { TurnRunner, type ActiveTurn } from './turn-runner.js';
import { TurnTaking } from './turn-taking.js';
import { ToolRegistry } from './tools/tool-registry.js';
import type { Vad, VadEvent, VadFactory } from './vad/vad.js';

export interface ConversationDeps {
  channel: CallChannel;
  profile: AgentProfile;
  providers: Providers;
  observer: CallObserver;
  clock: Clock;
  logger: Logger;
  vadFactory: VadFactory;
  /** The profile's audio end-of-turn model (turn.detector audio_model), loaded at start-up. */
  turnModel?: TurnModel | undefined;
  /** Which provider routes failed lately, shared by the process's calls (default: this call's own). */
  routeHealth?: RouteHealth;
  options?: ConversationOptionsInput;
}

export class Conversation implements CallHandler {
  readonly callId: string;
  private readonly o: ConversationOptions;
  private readonly log: Logger;
  private readonly root = new AbortController();
  private readonly state: AgentStateMachine;
  private readonly history: ChatHistory;
  private readonly playout: PlayoutClock;
  private readonly marks: MarkTracker;
  private readonly vad: Vad;
  private readonly turns: TurnTaking;
  private readonly dtmf: DtmfBatcher;
  private readonly tts: TtsLink;
  private readonly transfers: TransferWaiters;
  private readonly runner: TurnRunner;
  private readonly providers: Providers;
  private readonly faults: CallFaults;
  private readonly backstops: CallBackstops;
  /** The reprompt turn, whose end does not restart the caller's silence. */
  private repromptTurn: TurnBuilder | undefined;
  private stt: CallStt | undefined;
  private started = false;
  private closing: Promise<void> | undefined;
  private endReason: CallEndReason | undefined;
  private hungUp = false;
  private ending = false;
  private nextTurnIndex = 0;
  private readonly tasks: Promise<unknown>[] = [];

  /** Prefer `Conversation.start(deps)`; the constructor only wires things up. */
  constructor(private readonly d: ConversationDeps) {
    const meta = d.channel.metadata;
    this.callId = meta.callId;
    this.o = resolveOptions(d.options);
    this.log = d.logger.child({ callId: meta.callId, profile: d.profile.name });
    this.state = new AgentStateMachine((s, from) => this.onAgentState(s, from));
    this.faults = new CallFaults(this.callId, this.log, d.observer, () => this.runner.current?.builder);
    this.providers = callProviders(d.providers, routingFor(d.profile, this.o), {
      clock: d.clock,
      health: d.routeHealth ?? new RouteHealth(d.clock),
      onFault: (f) => this.faults.provider(f),
    });
    const b = d.profile.backstops;
    this.backstops = new CallBackstops(
      d.clock,
      b,
      {
        busy: () => this.runner.busy(),
        reprompt: (phrase) => this.reprompt(phrase),
        goodbye: (reason, phrase) => this.endWithGoodbye(reason, phrase),
      },
      this.log,
    );
    this.history = new ChatHistory(d.profile.systemPrompt);
    this.playout = new PlayoutClock(meta.playbackSampleRate, d.clock, this.o.playoutStartLatencyMs);
    // Marks survive only when we play at the call's own rate (resampling destroys them, §8).
    const marksUsable = meta.playbackSampleRate === meta.sampleRate;
    this.marks = new MarkTracker(
      d.channel,
      this.playout,
      meta.playbackSampleRate,
      this.o.markIntervalMs,
      marksUsable,
      this.log,
    );
    this.vad = d.vadFactory({ sampleRate: meta.sampleRate, clock: d.clock });
    this.dtmf = new DtmfBatcher(d.clock, this.o.dtmfBatchMs, (digits) => this.onDtmfBatch(digits));
    this.tts = new TtsLink(
      this.providers.tts,
      {
        sampleRate: meta.playbackSampleRate,
        voice: d.profile.voice,
        language: d.profile.language,
        model: d.profile.tts.model,
      },
      this.root.signal,
      d.clock,
      this.o.timeouts.ttsConnectMs,
      this.log,
    );
    this.transfers = new TransferWaiters(d.clock, this.o.timeouts.transferMs);
    this.runner = new TurnRunner({
      callId: this.callId,
      options: this.o,
      profile: d.profile,
      providers: this.providers,
      channel: d.channel,
      observer: d.observer,
      clock: d.clock,
      log: this.log,
      history: this.history,
      tools: new ToolRegistry(d.profile),
      playout: this.playout,
      marks: this.marks,
      tts: this.tts,
      state: this.state,
      rootSignal: this.root.signal,
      transfers: this.transfers,
      hangup: (reason) => this.hangup(endReasonOf(reason, 'agent_hangup')),
      onTransferred: () => (this.endReason ??= ENGINE_END_REASONS.transferred),
    });
    this.turns = new TurnTaking({
      callId: this.callId,
      profile: d.profile,
      options: this.o,
      sampleRate: meta.sampleRate,
      clock: d.clock,
      log: this.log,
      llm: this.providers.llm,
      turnModel: d.turnModel,
      history: this.history,
      runner: this.runner,
      state: this.state,
      observer: d.observer,
      rootSignal: this.root.signal,
      finalize: () => this.stt?.session.finalize(),
      turnBoundary: () => this.stt?.session.turnBoundary(),
      ending: () => this.ending,
      onTurn: (t, primed, preemptive) => this.onUserTurn(t, primed, preemptive),
    });
  }

  static start(deps: ConversationDeps): Conversation {
    const c = new Conversation(deps);
    c.start();
    return c;
  }

  /** Reports the call, connects STT and TTS in parallel, and speaks the greeting as soon as TTS is up. */
  start(): void {
    if (this.started || this.root.signal.aborted) return;
    this.started = true;
    const meta = this.d.channel.metadata;
    this.d.observer.callStarted({
      callId: this.callId,
      from: meta.from,
      to: meta.to,
      profile: this.d.profile.name,
      source: meta.source ?? 'unknown',
      startedAt: new Date(),
    });
    this.d.observer.live(this.callId, { type: 'state', state: this.state.state });
    this.stt = this.createStt();
    this.tasks.push(this.stt.session.done, this.consumeVad());
    this.backstops.start();
    const greeting = this.runner.begin(this.newTurn(''), async (turn) => {
      await this.tts.ensure();
      if (this.d.profile.greeting) await this.runner.speakInTurn(turn, this.d.profile.greeting);
    });
    this.tasks.push(greeting);
  }

  /** The agent's state now (listening, thinking, speaking, ended). */
  get agentState(): AgentState {
    return this.state.state;
  }

  /** Listening, with no turn in flight. */
  isIdle(): boolean {
    return this.state.state === 'listening' && !this.runner.busy();
  }

  onAudio(pcm: Pcm16): void {
    if (this.root.signal.aborted) return;
    this.vad.push(pcm);
    this.stt?.push(pcm);
    this.turns.onAudio(pcm);
  }

  onEvent(event: CallEvent): void {
    if (this.root.signal.aborted) return;
    switch (event.type) {
      case 'dtmf':
        this.backstops.callerActivity();
        this.d.observer.live(this.callId, { type: 'dtmf', digit: event.digit });
        this.dtmf.push(event.digit);
        return;
      case 'mark':
        this.marks.onMark(event.name, event.event);
        return;
      case 'transferResult':
        this.transfers.resolve({
          ok: event.ok,
          status: event.status,
          ...(event.reason ? { reason: event.reason } : {}),
        });
        return;
      case 'hangup':
        this.endReason ??= event.reason;
        void this.close(event.reason);
        return;
    }
  }

  /** Idempotent; aborts everything, waits (bounded) for in-flight work, then reports the end. */
  close(reason: CallEndReason): Promise<void> {
    this.closing ??= this.shutdown(reason);
    return this.closing;
  }

  private async shutdown(reason: CallEndReason): Promise<void> {
    this.endReason ??= reason;
    this.state.transition('ended');
    this.root.abort(new Error(`call closed: ${reason}`));
    this.runner.abortActive();
    this.turns.close();
    this.backstops.close();
    this.dtmf.close();
    this.transfers.close();
    this.vad.close();
    this.stt?.close();
    this.tts.close();
    const settled = Promise.allSettled([...this.tasks, this.runner.idle()]);
    await Promise.race([settled, sleep(this.d.clock, this.o.timeouts.closeMs)]);
    this.runner.finishActive(true);
    this.log.info({ reason: this.endReason }, 'call ended');
    this.d.observer.callEnded({ callId: this.callId, endedAt: new Date(), reason: this.endReason ?? reason });
  }

  private createStt(): CallStt {
    return new CallStt({
      provider: this.d.providers.stt,
      profile: this.d.profile,
      options: this.o,
      sampleRate: this.d.channel.metadata.sampleRate,
      signal: this.root.signal,
      clock: this.d.clock,
      log: this.log,
      faults: this.faults,
      onEvent: (e) => this.turns.onStt(e),
      onInterrupted: () => {
        this.d.observer.live(this.callId, { type: 'error', stage: 'stt', code: 'interrupted' });
        if (!this.ending) this.turns.interruptedBy('STT interrupted', true);
      },
      midTurn: () => this.turns.pendingText !== '' || this.vad.speaking,
      vadSpeaking: () => this.vad.speaking,
      apologize: () => this.apologizeForStt(),
      gone: (reason) => this.endWithGoodbye(reason, this.o.phrases.sttGoodbye),
    });
  }

  private async consumeVad(): Promise<void> {
    for await (const ev of this.vad) this.onVad(ev);
  }

  private onVad(ev: VadEvent): void {
    this.turns.onVad(ev);
    this.backstops.callerActivity();
    this.stt?.onVad(ev);
    if (ev.type === 'speech_end') this.runner.noteSpeechEnd(ev.at);
  }

  private onAgentState(state: AgentState, from: AgentState): void {
    this.d.observer.live(this.callId, { type: 'state', state });
    // The agent finished a turn: the caller's silence counts from now (the reprompt excepted).
    if (state === 'listening' && from !== 'listening' && this.runner.current?.builder !== this.repromptTurn)
      this.backstops.agentIdle();
  }

  private onUserTurn(
    t: UserTurn,
    primed: PrimedStream | undefined,
    preemptive: TurnBuilder['preemptive'],
  ): void {
    this.d.observer.live(this.callId, { type: 'transcript', role: 'user', text: t.text, final: true });
    const builder = this.newTurn(t.text);
    builder.speechEndedAt = t.speechEndedAt;
    builder.finalAt = t.finalAt;
    builder.decidedAt = t.decidedAt;
    builder.preemptive = preemptive;
    this.log.info({ user: t.text, reason: t.reason, preemptive }, 'user turn');
    this.stt?.turnStarted();
    this.backstops.callerActivity();
    this.startReply(builder, t.text, primed);
  }

  private onDtmfBatch(digits: string): void {
    if (this.ending || this.root.signal.aborted) return;
    this.turns.interruptedBy('DTMF', false);
    const text = `[DTMF] ${digits}`;
    const builder = this.newTurn(text);
    builder.decidedAt = this.d.clock.now();
    this.startReply(builder, text);
  }

  private startReply(builder: TurnBuilder, userText: string, primed?: PrimedStream): void {
    const job = (turn: ActiveTurn) => this.runner.reply(turn);
    this.tasks.push(
      this.runner.begin(builder, job, { before: () => this.history.addUser(userText), primed }),
    );
  }

  private apologizeForStt(): void {
    if (this.ending || this.root.signal.aborted || this.runner.busy()) return;
    this.log.warn('no turn came from the reconnected STT; apologising');
    const builder = this.newTurn('');
    builder.faults.push({ stage: 'stt', code: 'interrupted', action: 'apologized' });
    this.tasks.push(
      this.runner.begin(builder, (turn) => this.runner.speakInTurn(turn, this.o.phrases.apology)),
    );
  }

  /** The caller has been quiet a while: ask if they are still there (a turn of its own). */
  private reprompt(phrase: string): void {
    if (this.ending || this.root.signal.aborted || this.runner.busy()) return;
    const builder = this.newTurn('');
    this.repromptTurn = builder;
    this.tasks.push(this.runner.begin(builder, (turn) => this.runner.speakInTurn(turn, phrase)));
  }

  /** Say `phrase`, let it play out, hang up with `reason` (STT gone, a backstop). */
  private endWithGoodbye(reason: EngineEndReason, phrase: string): void {
    if (this.ending || this.root.signal.aborted) return;
    this.ending = true;
    this.endReason ??= reason;
    this.turns.interruptedBy('saying goodbye', false);
    const task = this.runner.begin(this.newTurn(''), async (turn) => {
      if (await this.tts.ensure()) await this.runner.speakInTurn(turn, phrase);
      await this.runner.drain(turn);
      if (!turn.controller.signal.aborted) this.runner.completeNow(turn);
      this.hangup(reason);
    });
    this.tasks.push(task);
  }

  private hangup(reason: CallEndReason): void {
    if (this.hungUp) return;
    this.hungUp = true;
    this.endReason ??= reason;
    this.log.info({ reason }, 'agent hangs up');
    this.d.channel.hangup(reason);
  }

  private newTurn(userText: string): TurnBuilder {
    const builder = new TurnBuilder(this.callId, this.nextTurnIndex++, userText);
    builder.faults.push(...this.faults.take());
    return builder;
  }
}
