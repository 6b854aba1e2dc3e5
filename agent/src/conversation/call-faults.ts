/**
 * Where one call's provider faults go: a structured log line with the call id, a live `fault` event
 * (counted in /metrics), and the record of the turn that met it — the active turn for LLM and TTS
 * faults, the next caller turn for STT faults (the caller's words were what it cost).
 */
import type { Logger } from '../log.js';
import type { ProviderFault } from '../providers/fallback/fallback-types.js';
import type { CallObserver, TurnFault } from './call-record.js';
import type { TurnBuilder } from './turn-builder.js';

export class CallFaults {
  private pending: TurnFault[] = [];

  constructor(
    private readonly callId: string,
    private readonly log: Logger,
    private readonly observer: CallObserver,
    /** The turn running now, if any. */
    private readonly activeTurn: () => TurnBuilder | undefined,
  ) {}

  /** A fault the retry/fallback layer handled (or gave up on). */
  provider(f: ProviderFault): void {
    const fault: TurnFault = { stage: f.stage, code: f.code, action: f.action, route: f.from };
    this.log.warn(
      { stage: f.stage, code: f.code, action: f.action, from: f.from, ...(f.to ? { to: f.to } : {}) },
      f.action === 'gave_up' ? 'provider failed, no attempt left' : `provider fault: ${f.action}`,
    );
    this.add(fault, f.stage === 'stt' ? 'next' : 'active');
  }

  /** An STT fault (a drop, the watchdog): noted on the caller's next turn. */
  stt(code: string, action: TurnFault['action']): void {
    this.add({ stage: 'stt', code, action }, 'next');
  }

  /** Faults waiting for the next turn's record. */
  take(): TurnFault[] {
    return this.pending.splice(0);
  }

  private add(fault: TurnFault, where: 'active' | 'next'): void {
    this.observer.live(this.callId, { type: 'fault', fault });
    const turn = where === 'active' ? this.activeTurn() : undefined;
    if (turn && !turn.finished) turn.faults.push(fault);
    else this.pending.push(fault);
  }
}
