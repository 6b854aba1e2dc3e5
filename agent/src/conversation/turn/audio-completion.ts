/**
 * Completion probabilities from an audio end-of-turn model, run on the caller's last 8 s when their
 * speech ends. A model that fails at run time must not end the call or stall turns: the scorer falls
 * back to the transcript policy for the rest of the call and logs it once.
 */
import type { Logger } from '../../log.js';
import type { CallerAudioWindow } from './caller-audio-window.js';
import { transcriptCompletion } from './completion-policy.js';
import type { TurnModel } from './turn-model.js';
import type { CompletionInput, CompletionScorer } from './turn-detector.js';

export class AudioCompletionScorer implements CompletionScorer {
  private failed = false;

  constructor(
    private readonly model: TurnModel,
    private readonly window: CallerAudioWindow,
    private readonly log: Logger,
  ) {}

  /** Text matters only once the model has failed and the transcript policy stands in. */
  get textSensitive(): boolean {
    return this.failed;
  }

  score(input: CompletionInput): number | Promise<number> {
    if (this.failed) return transcriptCompletion(input.text);
    const started = performance.now();
    let audio: Float32Array;
    try {
      audio = this.window.modelInput();
    } catch (err) {
      return this.fallBack(err, input.text);
    }
    return this.model.predict(audio).then(
      (p) => {
        this.log.debug({ p, ms: Math.round(performance.now() - started) }, 'turn model');
        if (!Number.isFinite(p)) return this.fallBack(new Error(`model returned ${p}`), input.text);
        return Math.min(1, Math.max(0, p));
      },
      (err: unknown) => this.fallBack(err, input.text),
    );
  }

  private fallBack(err: unknown, text: string): number {
    if (!this.failed) {
      this.failed = true;
      this.log.error(
        { model: this.model.path, err: err instanceof Error ? err.message : String(err) },
        'turn model failed; using the transcript policy for the rest of this call',
      );
    }
    return transcriptCompletion(text);
  }
}
