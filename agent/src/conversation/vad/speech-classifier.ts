/** A model that says "speech or not" for fixed-size frames; the part each VAD engine provides. */
export interface SpeechClassifier {
  /** Rate the classifier runs at; input is resampled to it when the call's rate differs. */
  readonly sampleRate: number;
  /** Samples per classified frame at `sampleRate`. */
  readonly frameSamples: number;
  classify(frame: Int16Array): boolean | Promise<boolean>;
  close(): void;
}

/** Rates a classifier accepts natively; the first is used when the input rate is not among them. */
export interface ClassifierSpec {
  rates: readonly number[];
  create(sampleRate: number): Promise<SpeechClassifier>;
}
