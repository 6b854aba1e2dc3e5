/** Builds a profile's end-of-turn decision: the TurnDetector options and its completion scorer. */
import type { TurnSettings } from '../../config/profile-schema.js';
import type { Logger } from '../../log.js';
import type { FluxOptions } from '../../providers/types.js';
import { AudioCompletionScorer } from './audio-completion.js';
import type { CallerAudioWindow } from './caller-audio-window.js';
import { transcriptCompletion } from './completion-policy.js';
import type { TurnModel } from './turn-model.js';
import type { CompletionScorer, TurnDetectorOptions } from './turn-detector.js';

/** The transcript policy: sure of a question at 0.95, of "my number is" at 0.05. */
const TRANSCRIPT_COMPLETE_AT = 0.8;
const TRANSCRIPT_INCOMPLETE_AT = 0.2;
/** Two interim results' worth of unchanged words (Deepgram sends them every ~250 ms). */
const STABLE_TEXT_MS = 200;

export const transcriptScorer: CompletionScorer = {
  textSensitive: true,
  score: ({ text }) => transcriptCompletion(text),
};

export function detectorOptions(turn: TurnSettings, finalizeTimeoutMs: number): TurnDetectorOptions {
  const model = turn.detector === 'audio_model';
  return {
    mode: turn.detector,
    minDelayMs: turn.minEndpointingDelayMs,
    maxDelayMs: turn.maxEndpointingDelayMs,
    finalizeTimeoutMs,
    completeAt: model ? turn.audioModel.threshold : TRANSCRIPT_COMPLETE_AT,
    incompleteAt: model ? turn.audioModel.threshold : TRANSCRIPT_INCOMPLETE_AT,
    stableTextMs: STABLE_TEXT_MS,
  };
}

export interface ScorerDeps {
  turn: TurnSettings;
  model: TurnModel | undefined;
  window: CallerAudioWindow | undefined;
  log: Logger;
}

export function createScorer(d: ScorerDeps): CompletionScorer | undefined {
  switch (d.turn.detector) {
    case 'transcript':
      return transcriptScorer;
    case 'audio_model':
      if (d.model && d.window) return new AudioCompletionScorer(d.model, d.window, d.log);
      d.log.warn('turn.detector is audio_model but no model is loaded; using the transcript policy');
      return transcriptScorer;
    default:
      return undefined;
  }
}

/** The STT's Flux settings when the profile lets Flux decide turns. */
export function fluxOptions(turn: TurnSettings): FluxOptions | undefined {
  if (turn.detector !== 'flux') return undefined;
  return {
    model: turn.flux.model,
    eotThreshold: turn.flux.eotThreshold,
    ...(turn.preemptiveGeneration ? { eagerEotThreshold: turn.flux.eagerEotThreshold } : {}),
    eotTimeoutMs: turn.flux.eotTimeoutMs,
  };
}
