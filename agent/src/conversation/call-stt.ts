/**
 * One call's speech-to-text, kept alive and honest: the SttSession (reconnect with audio replay),
 * the watchdog that restarts a stream which hears nothing while the caller speaks, and the recovery
 * check that apologises when a broken stream's replay brings no turn. It hands transcripts to
 * turn-taking and asks the conversation only to apologise or to end the call.
 */
import type { Clock } from '../time/clock.js';
import type { Pcm16 } from '../audio/pcm.js';
import type { AgentProfile } from '../config/profile-schema.js';
import type { Logger } from '../log.js';
import type { ProviderError } from '../providers/errors.js';
import type { SttEvent, SttProvider } from '../providers/types.js';
import { SttRecovery } from './backstops/stt-recovery.js';
import { SttWatchdog } from './backstops/stt-watchdog.js';
import type { CallFaults } from './call-faults.js';
import type { ConversationOptions } from './conversation-options.js';
import { ENGINE_END_REASONS, type EngineEndReason } from './end-reasons.js';
import { SttSession } from './stt-session.js';
import { fluxOptions } from './turn/turn-setup.js';
import type { VadEvent } from './vad/vad.js';

export interface CallSttDeps {
  provider: SttProvider;
  profile: AgentProfile;
  options: ConversationOptions;
  sampleRate: number;
  signal: AbortSignal;
  clock: Clock;
  log: Logger;
  faults: CallFaults;
  onEvent(event: SttEvent): void;
  /** The stream broke and is reconnecting: drop words pending (the replay brings them back). */
  onInterrupted(error: ProviderError): void;
  /** The caller is part-way through a turn (words pending, or speaking). */
  midTurn(): boolean;
  vadSpeaking(): boolean;
  /** No turn came after a broken stream: say the apology. */
  apologize(): void;
  /** STT is gone for good. */
  gone(reason: EngineEndReason): void;
}

export class CallStt {
  readonly session: SttSession;
  private readonly watchdog: SttWatchdog;
  private readonly recovery: SttRecovery;

  constructor(private readonly d: CallSttDeps) {
    const p = d.profile;
    const flux = fluxOptions(p.turn);
    this.watchdog = new SttWatchdog(d.clock, p.backstops.sttWatchdogMs, (ms) => this.onDeaf(ms));
    this.recovery = new SttRecovery(d.clock, d.options.sttRecoveryMs, () => d.apologize());
    this.session = new SttSession({
      provider: d.provider,
      options: {
        sampleRate: d.sampleRate,
        language: p.language,
        model: flux ? flux.model : p.stt.model,
        endpointingMs: p.stt.endpointingMs,
        utteranceEndMs: p.stt.utteranceEndMs,
        ...(flux ? { flux } : {}),
      },
      signal: d.signal,
      clock: d.clock,
      log: d.log,
      maxAttempts: d.options.sttReconnectAttempts,
      backoffMs: d.options.sttReconnectBackoffMs,
      connectTimeoutMs: d.options.timeouts.sttConnectMs,
      replayMs: d.options.sttReplayMs,
      onEvent: (e) => {
        this.watchdog.sttEvent();
        d.onEvent(e);
      },
      onInterrupted: (err) => this.onInterrupted(err),
      onGone: (_err, deaf) => d.gone(deaf ? ENGINE_END_REASONS.sttDead : ENGINE_END_REASONS.sttFailed),
    });
  }

  push(pcm: Pcm16): void {
    this.session.push(pcm);
  }

  onVad(ev: VadEvent): void {
    if (ev.type === 'speech_start') {
      this.watchdog.speechStarted();
      this.recovery.speechStarted();
    } else {
      this.watchdog.speechEnded();
      this.recovery.speechEnded();
    }
  }

  /** A caller turn began: whatever broke has recovered. */
  turnStarted(): void {
    this.recovery.turnStarted();
  }

  close(): void {
    this.watchdog.close();
    this.recovery.close();
    this.session.close();
  }

  private onInterrupted(error: ProviderError): void {
    const midTurn = this.d.midTurn();
    this.d.log.warn({ midTurn, code: error.code }, 'STT interrupted; reconnecting with audio replay');
    this.d.faults.stt(error.code, 'reconnected');
    this.d.onInterrupted(error);
    if (midTurn) this.recovery.interrupted(this.d.vadSpeaking());
  }

  private onDeaf(quietMs: number): void {
    if (this.d.signal.aborted) return;
    this.d.log.warn({ quietMs }, 'STT sent nothing while the caller spoke; restarting it');
    this.d.faults.stt('timeout', 'watchdog');
    this.session.restart();
  }
}
