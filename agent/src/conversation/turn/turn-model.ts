/** An audio end-of-turn model as the engine sees it: 8 s of 16 kHz audio in, P(turn complete) out. */
export interface TurnModel {
  /** Where it was loaded from (for logs). */
  readonly path: string;
  /** `audio`: MODEL_WINDOW_SAMPLES floats at 16 kHz, newest last. Resolves 0..1; rejects on failure. */
  predict(audio: Float32Array): Promise<number>;
}
