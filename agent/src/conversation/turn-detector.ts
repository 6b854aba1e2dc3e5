/**
 * End-of-turn decision from two signals. The STT says when it thinks the speaker paused
 * (speech_final, utterance_end); the VAD says when audio went silent. A turn ends on speech_final or
 * utterance_end with text pending, or when the VAD has heard silence for `endpointingDelayMs` since
 * the caller's last speech while a transcript is pending — then we ask the STT to finalize, and wait
 * (bounded) for the words it still holds. Turns with no words are dropped (noise, a cough).
 */
import type { Clock, TimerHandle } from '../time/clock.js';
import type { SttEvent } from '../providers/types.js';
import type { VadEvent } from './vad/vad.js';

export interface TurnDetectorOptions {
  endpointingDelayMs: number;
  /** After finalize(), how long to wait for the final before using the interim text. */
  finalizeTimeoutMs: number;
}

export interface UserTurn {
  text: string;
  /** Caller's end of speech per the VAD (clock ms); undefined if the VAD never saw this speech. */
  speechEndedAt: number | undefined;
  /** When the last final transcript of the turn arrived. */
  finalAt: number | undefined;
  decidedAt: number;
  reason: 'speech_final' | 'utterance_end' | 'vad_silence' | 'finalize_timeout';
}

export interface TurnDetectorSink {
  onTurn(turn: UserTurn): void;
  /** Ask the STT to flush what it has (Deepgram Finalize). */
  finalize(): void;
}

export class TurnDetector {
  private finals: string[] = [];
  private interim = '';
  private finalAt: number | undefined;
  private speechEndedAt: number | undefined;
  private vadSpeaking = false;
  private timer: TimerHandle | undefined;
  private waitingForFinalize = false;

  constructor(
    private readonly clock: Clock,
    private readonly options: TurnDetectorOptions,
    private readonly sink: TurnDetectorSink,
  ) {}

  /** Words heard but not yet part of a finished turn (final or interim). */
  get pendingText(): string {
    return [...this.finals, this.interim].join(' ').trim();
  }

  onVad(event: VadEvent): void {
    if (event.type === 'speech_start') {
      this.vadSpeaking = true;
      this.speechEndedAt = undefined;
      this.clearTimer();
      return;
    }
    this.vadSpeaking = false;
    this.speechEndedAt = event.at;
    const wait = Math.max(0, event.at + this.options.endpointingDelayMs - this.clock.now());
    this.clearTimer();
    this.timer = this.clock.setTimeout(() => this.onSilence(), wait);
  }

  onStt(event: SttEvent): void {
    if (event.type === 'transcript') {
      const text = event.text.trim();
      if (!event.isFinal) {
        this.interim = text;
        return;
      }
      this.interim = '';
      if (text) {
        this.finals.push(text);
        this.finalAt = this.clock.now();
      }
      if (event.speechFinal) this.end('speech_final');
      else if (this.waitingForFinalize && event.fromFinalize) this.end('vad_silence');
      return;
    }
    if (event.type === 'utterance_end' && !this.vadSpeaking) this.end('utterance_end');
  }

  /** Drop everything pending (a new call phase, or close). */
  reset(): void {
    this.clearTimer();
    this.finals = [];
    this.interim = '';
    this.finalAt = undefined;
    this.waitingForFinalize = false;
  }

  private onSilence(): void {
    this.timer = undefined;
    if (this.vadSpeaking) return;
    if (this.interim) {
      // Words the STT has not finalized yet: ask for them, and do not wait forever.
      this.waitingForFinalize = true;
      this.sink.finalize();
      this.timer = this.clock.setTimeout(() => {
        this.timer = undefined;
        if (this.interim) this.finals.push(this.interim);
        this.interim = '';
        this.end('finalize_timeout');
      }, this.options.finalizeTimeoutMs);
      return;
    }
    if (this.finals.length > 0) {
      this.sink.finalize();
      this.end('vad_silence');
    }
  }

  private end(reason: UserTurn['reason']): void {
    const text = this.finals.join(' ').replace(/\s+/g, ' ').trim();
    const turn: UserTurn = {
      text,
      speechEndedAt: this.speechEndedAt,
      finalAt: this.finalAt,
      decidedAt: this.clock.now(),
      reason,
    };
    this.reset();
    if (isMeaningful(text)) this.sink.onTurn(turn);
  }

  private clearTimer(): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** A turn needs at least one letter or digit; punctuation-only or empty transcripts are noise. */
export function isMeaningful(text: string): boolean {
  return /[\p{L}\p{N}]/u.test(text);
}
