/**
 * The one end-of-turn decision. Fed by the VAD (speech start/end), the STT (interim and final
 * transcripts, speech_final, utterance_end, or Deepgram Flux turn events) and, where the profile has
 * one, a completion scorer (the transcript policy or an audio end-of-turn model). It says when the
 * caller's turn is over (`onTurn`), when it is probably over so a reply can be prepared
 * (`onLikelyEnd`), when that guess was wrong (`onResumed`) and when sound ended with no words.
 *
 * Modes (profile turn.detector):
 * - silence: the old behaviour — speech_final or utterance_end, or VAD silence for the minimum delay.
 * - transcript / audio_model: after the caller's speech ends, wait between the minimum and maximum
 *   endpointing delay depending on the completion probability (high → min, low → max; like LiveKit's
 *   min/max delay, research voice-agents §1a); the STT's own endpointing no longer ends turns.
 * - flux: Deepgram Flux decides; EndOfTurn ends the turn, EagerEndOfTurn / TurnResumed are the likely
 *   end and its withdrawal. The VAD still drives barge-in, not the turn end.
 */
import type { Clock, TimerHandle } from '../../time/clock.js';
import type { SttEvent } from '../../providers/types.js';
import type { VadEvent } from '../vad/vad.js';

export type TurnDetectorMode = 'silence' | 'transcript' | 'audio_model' | 'flux';

export interface TurnDetectorOptions {
  mode: TurnDetectorMode;
  minDelayMs: number;
  maxDelayMs: number;
  /** After finalize(), how long to wait for the final before using the interim text. */
  finalizeTimeoutMs: number;
  /** Completion at or above this: the minimum delay, and a reply may be prepared. */
  completeAt: number;
  /** Completion at or below this: the maximum delay; in between, the delay is interpolated. */
  incompleteAt: number;
  /**
   * A transcript that looks complete and has not changed for this long counts as a likely end even
   * while the caller is still making sound (the last syllable, a breath): a reply may be prepared.
   */
  stableTextMs: number;
}

export interface CompletionInput {
  text: string;
  /** Clock time the caller's speech ended. */
  speechEndedAt: number;
}

/** A source of "is the turn complete" probabilities (0..1). */
export interface CompletionScorer {
  /** Scored again whenever the transcript changes (text policies) or once per silence (audio models). */
  readonly textSensitive: boolean;
  score(input: CompletionInput): number | Promise<number>;
}

export interface UserTurn {
  text: string;
  /** Caller's end of speech per the VAD (clock ms); undefined if the VAD never saw this speech. */
  speechEndedAt: number | undefined;
  /** When the last final transcript of the turn arrived. */
  finalAt: number | undefined;
  decidedAt: number;
  reason:
    'speech_final' | 'utterance_end' | 'vad_silence' | 'finalize_timeout' | 'endpointing' | 'end_of_turn';
  /** The completion probability the decision used, when there was one. */
  completion?: number;
}

export interface TurnDetectorSink {
  onTurn(turn: UserTurn): void;
  /** Ask the STT to flush what it has (Deepgram Finalize). */
  finalize(): void;
  /** The turn is probably over with this text: a reply may be prepared (LLM only). */
  onLikelyEnd?(text: string): void;
  /** The likely end was wrong: the caller goes on, or the text stopped looking complete. */
  onResumed?(): void;
  /** The caller made sound but said no words (noise, a cough). */
  onWordlessEnd?(): void;
}

/** How long a final owed after a finalize_timeout is still expected. */
const OWED_FINAL_MS = 3000;

export class TurnDetector {
  private finals: string[] = [];
  private interim = '';
  private finalAt: number | undefined;
  private speechEndedAt: number | undefined;
  private vadSpeaking = false;
  private heardSound = false;
  private timer: TimerHandle | undefined;
  private waitingForFinalize = false;
  /** Bumped whenever the caller starts or stops speaking; late async scores of an old silence are dropped. */
  private epoch = 0;
  private completion: number | undefined;
  private scoring = false;
  private likely: string | undefined;
  /** The STT has reported on the caller's latest speech (a transcript arrived since it started). */
  private textFresh = true;
  /** The words last seen while the caller was speaking, and the timer that checks they stay put. */
  private stableText = '';
  private stableTimer: TimerHandle | undefined;
  /**
   * A turn ended on its interim words because the final for our Finalize was late (finalize_timeout):
   * those words, normalized. The final still owed for them must not become a second turn.
   */
  private owedFinal: string | undefined;
  private owedAt = 0;

  constructor(
    private readonly clock: Clock,
    private readonly o: TurnDetectorOptions,
    private readonly sink: TurnDetectorSink,
    private readonly scorer?: CompletionScorer,
  ) {}

  /** Words heard but not yet part of a finished turn (final or interim). */
  get pendingText(): string {
    return [...this.finals, this.interim].join(' ').replace(/\s+/g, ' ').trim();
  }

  get mode(): TurnDetectorMode {
    return this.o.mode;
  }

  onVad(event: VadEvent): void {
    if (event.type === 'speech_start') {
      this.vadSpeaking = true;
      this.heardSound = true;
      this.textFresh = false;
      this.speechEndedAt = undefined;
      this.waitingForFinalize = false;
      this.newEpoch();
      if (this.o.mode !== 'flux') this.withdraw();
      return;
    }
    this.vadSpeaking = false;
    this.speechEndedAt = event.at;
    this.newEpoch();
    if (this.o.mode === 'flux') return;
    if (this.o.mode === 'silence') {
      this.schedule(event.at + this.o.minDelayMs);
      return;
    }
    // Ask for the final now: it holds the words the policy judges, and it answers "no words" for noise.
    this.sink.finalize();
    this.evaluate();
  }

  onStt(event: SttEvent): void {
    if (event.type === 'transcript' || event.type === 'turn') this.textFresh = true;
    switch (event.type) {
      case 'transcript':
        return event.isFinal ? this.onFinal(event) : this.onInterim(event.text.trim());
      case 'utterance_end':
        if (this.o.mode === 'silence') {
          if (!this.vadSpeaking) this.end('utterance_end');
        } else if (!this.vadSpeaking && this.speechEndedAt === undefined && this.pendingText) {
          this.speechEndedAt = this.clock.now(); // the VAD missed this speech
          this.evaluate();
        }
        return;
      case 'turn':
        return this.onFluxTurn(event);
      default:
        return;
    }
  }

  /** Drop everything pending (a false interruption's words, an STT reconnect, close). */
  reset(): void {
    this.clearTimer();
    if (this.stableTimer) this.clock.clearTimeout(this.stableTimer);
    this.stableTimer = undefined;
    this.stableText = '';
    this.finals = [];
    this.interim = '';
    this.finalAt = undefined;
    this.waitingForFinalize = false;
    this.heardSound = this.vadSpeaking;
    this.textFresh = !this.vadSpeaking;
    this.likely = undefined;
    // The end of speech belongs to the words just dropped; the next turn's is measured afresh.
    if (!this.vadSpeaking) this.speechEndedAt = undefined;
    this.newEpoch();
  }

  private onInterim(text: string): void {
    this.interim = text;
    this.evaluate();
    this.watchStable();
  }

  /** While the caller is speaking: a complete-looking transcript that stays put is a likely end. */
  private watchStable(): void {
    const scorer = this.scorer;
    if (!this.vadSpeaking || this.o.mode !== 'transcript' || !scorer?.textSensitive) return;
    const text = this.pendingText;
    if (text === this.stableText) return;
    this.stableText = text;
    if (this.stableTimer) this.clock.clearTimeout(this.stableTimer);
    this.stableTimer = undefined;
    this.withdraw();
    if (!text) return;
    this.stableTimer = this.clock.setTimeout(() => {
      this.stableTimer = undefined;
      if (!this.vadSpeaking || this.pendingText !== text) return;
      const p = scorer.score({ text, speechEndedAt: this.clock.now() });
      if (typeof p === 'number' && p >= this.o.completeAt) this.announce(text);
    }, this.o.stableTextMs);
  }

  private onFinal(event: Extract<SttEvent, { type: 'transcript' }>): void {
    const text = this.newWords(event);
    this.owedFinal = undefined;
    if (text === undefined) return;
    this.interim = '';
    if (text) {
      this.finals.push(text);
      this.finalAt = this.clock.now();
    }
    if (this.o.mode === 'silence') {
      if (event.speechFinal) this.end('speech_final');
      else if (this.waitingForFinalize && event.fromFinalize) this.end('vad_silence');
      return;
    }
    if (this.o.mode === 'flux') return;
    if (this.waitingForFinalize) return this.end('vad_silence');
    if (!text && event.fromFinalize && !this.vadSpeaking && !this.pendingText && this.heardSound) {
      return this.wordless(); // Finalize found no words in what the caller said
    }
    if (event.speechFinal && !this.vadSpeaking && this.speechEndedAt === undefined) {
      this.speechEndedAt = this.clock.now(); // the VAD missed this speech
    }
    this.evaluate();
    this.watchStable();
  }

  private onFluxTurn(event: Extract<SttEvent, { type: 'turn' }>): void {
    if (this.o.mode !== 'flux') return;
    switch (event.event) {
      case 'start':
        this.heardSound = true;
        return;
      case 'update':
        this.interim = event.text.trim();
        return;
      case 'eager_end':
        this.interim = event.text.trim();
        return this.announce(this.interim);
      case 'resumed':
        return this.withdraw();
      case 'end':
        this.finals = [event.text.trim()];
        this.interim = '';
        this.finalAt = this.clock.now();
        this.completion = event.confidence;
        return this.end('end_of_turn');
    }
  }

  /** transcript / audio_model: (re)schedule the end of the turn from the completion probability. */
  private evaluate(): void {
    if (this.o.mode === 'silence' || this.o.mode === 'flux') return;
    if (this.vadSpeaking || this.speechEndedAt === undefined || this.waitingForFinalize) return;
    const text = this.pendingText;
    const p = this.currentCompletion(text);
    const delay = text && p !== undefined ? this.delayFor(p) : this.o.maxDelayMs;
    this.schedule(this.speechEndedAt + delay);
    // Text from before the caller's latest speech is stale: the final for that speech is still due.
    if (text && p !== undefined && p >= this.o.completeAt && this.textFresh) this.announce(text);
    else this.withdraw();
  }

  private currentCompletion(text: string): number | undefined {
    const scorer = this.scorer;
    if (!scorer || this.speechEndedAt === undefined) return undefined;
    if (scorer.textSensitive) {
      const r = scorer.score({ text, speechEndedAt: this.speechEndedAt });
      if (typeof r === 'number') return (this.completion = r);
    }
    if (this.completion !== undefined || this.scoring) return this.completion;
    const result = scorer.score({ text, speechEndedAt: this.speechEndedAt });
    if (typeof result === 'number') return (this.completion = result);
    this.scoring = true;
    const epoch = this.epoch;
    void result.then(
      (p) => this.onScore(epoch, p),
      () => this.onScore(epoch, undefined),
    );
    return undefined;
  }

  private onScore(epoch: number, p: number | undefined): void {
    if (epoch !== this.epoch) return;
    this.scoring = false;
    this.completion = p ?? 0;
    this.evaluate();
  }

  private delayFor(p: number): number {
    const { minDelayMs: min, maxDelayMs: max, completeAt: hi, incompleteAt: lo } = this.o;
    if (p >= hi) return min;
    if (p <= lo) return max;
    return Math.round(max - ((max - min) * (p - lo)) / (hi - lo));
  }

  private onDeadline(): void {
    this.timer = undefined;
    if (this.vadSpeaking) return;
    if (this.interim || (!this.textFresh && this.o.mode !== 'silence')) {
      // Words the STT has not finalized yet (or not reported at all): ask for them, bounded.
      this.waitingForFinalize = true;
      this.sink.finalize();
      this.timer = this.clock.setTimeout(() => {
        this.timer = undefined;
        if (this.interim) this.finals.push(this.interim);
        this.owedFinal = normalizeWords(this.interim).join(' ');
        this.owedAt = this.clock.now();
        this.interim = '';
        this.end('finalize_timeout');
      }, this.o.finalizeTimeoutMs);
      return;
    }
    if (this.finals.length > 0) {
      if (this.o.mode === 'silence') this.sink.finalize();
      this.end(this.o.mode === 'silence' ? 'vad_silence' : 'endpointing');
      return;
    }
    if (this.o.mode !== 'silence' && this.heardSound) this.wordless();
  }

  /**
   * The final's new words, or undefined when it only repeats a finished turn. The first final after
   * a finalize_timeout is the late answer for words the last turn already used: the answer to our
   * Finalize is dropped whole (its audio all belonged to that turn); another final keeps only the
   * words past the ones used. Read-only: the live transcript asks too, so that a late final is not
   * shown as a second caller line.
   */
  newWords(event: Extract<SttEvent, { type: 'transcript' }>): string | undefined {
    const text = event.text.trim();
    const owed = this.owedFinal;
    // A final that never came is not owed forever: later finals are new speech.
    if (owed === undefined || this.clock.now() - this.owedAt > OWED_FINAL_MS) return text;
    if (event.fromFinalize) return undefined;
    const words = text.split(/\s+/).filter(Boolean);
    const used = owed.split(' ').filter(Boolean);
    const norm = normalizeWords(text);
    if (used.length === 0 || used.some((w, i) => norm[i] !== w)) return text;
    const rest = words.slice(used.length).join(' ');
    return rest ? rest : undefined;
  }

  private end(reason: UserTurn['reason']): void {
    const text = this.finals.join(' ').replace(/\s+/g, ' ').trim();
    const turn: UserTurn = {
      text,
      speechEndedAt: this.speechEndedAt,
      finalAt: this.finalAt,
      decidedAt: this.clock.now(),
      reason,
      ...(this.completion !== undefined ? { completion: this.completion } : {}),
    };
    this.reset();
    if (isMeaningful(text)) this.sink.onTurn(turn);
    else this.sink.onWordlessEnd?.();
  }

  private wordless(): void {
    this.reset();
    this.sink.onWordlessEnd?.();
  }

  private announce(text: string): void {
    if (!text || this.likely === text) return;
    this.likely = text;
    this.sink.onLikelyEnd?.(text);
  }

  private withdraw(): void {
    if (this.likely === undefined) return;
    this.likely = undefined;
    this.sink.onResumed?.();
  }

  private newEpoch(): void {
    this.epoch++;
    this.completion = undefined;
    this.scoring = false;
  }

  private schedule(at: number): void {
    this.clearTimer();
    this.timer = this.clock.setTimeout(() => this.onDeadline(), Math.max(0, at - this.clock.now()));
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

/** Lower-case words without punctuation: how two transcripts of the same speech are compared. */
function normalizeWords(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s']/gu, ' ')
    .split(/\s+/)
    .filter(Boolean);
}
