/**
 * An audio end-of-turn model in ONNX, run locally with onnxruntime-node: Smart Turn v3.x
 * (pipecat-ai/smart-turn-v3, BSD-2). Two signatures are accepted, told apart by the input's shape:
 * - `input_features` [batch, 80, 800]: the published smart-turn-v3.x ONNX files, which expect
 *   Whisper log-mel features of 8 s of 16 kHz audio (computed here, whisper-features.ts);
 * - [batch, 128000] audio: exports with the front-end inside the graph (e.g. soniqo's).
 * Either way the first output's first value is P(turn complete). The file is loaded and run once on
 * silence at start-up, so a missing, unreadable or wrong file stops the agent there, not mid-call.
 */
import { statSync } from 'node:fs';
import { loadOrt, SINGLE_THREAD, type Ort, type OrtSession, type OrtValueMetadata } from '../onnx-runtime.js';
import { MODEL_WINDOW_SAMPLES } from './caller-audio-window.js';
import type { TurnModel } from './turn-model.js';
import { N_FRAMES, N_MELS, whisperLogMel } from './whisper-features.js';

export type TurnModelErrorCode = 'missing' | 'unreadable' | 'invalid_model' | 'bad_signature';

export class TurnModelError extends Error {
  constructor(
    readonly code: TurnModelErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TurnModelError';
  }
}

type InputKind = 'audio' | 'features';

class OnnxTurnModel implements TurnModel {
  constructor(
    readonly path: string,
    private readonly ort: Ort,
    private readonly session: OrtSession,
    private readonly kind: InputKind,
    private readonly dims: number[],
  ) {}

  async predict(audio: Float32Array): Promise<number> {
    if (audio.length !== MODEL_WINDOW_SAMPLES) {
      throw new RangeError(`turn model wants ${MODEL_WINDOW_SAMPLES} samples, got ${audio.length}`);
    }
    const data = this.kind === 'features' ? whisperLogMel(audio) : audio;
    const input = new this.ort.Tensor('float32', data, this.dims);
    const out = await this.session.run({ [this.session.inputNames[0]!]: input });
    const value = (out[this.session.outputNames[0]!]?.data as ArrayLike<number> | undefined)?.[0];
    return Number(value);
  }
}

/** Load, check the signature, and run once on silence. Throws TurnModelError. */
export async function loadOnnxTurnModel(path: string): Promise<TurnModel> {
  try {
    if (!statSync(path).isFile()) throw new TurnModelError('unreadable', `${path} is not a file`);
  } catch (err) {
    if (err instanceof TurnModelError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new TurnModelError(
      code === 'ENOENT' ? 'missing' : 'unreadable',
      `cannot read ${path} (${code ?? 'error'})`,
    );
  }
  const ort = loadOrt();
  let session: OrtSession;
  try {
    session = await ort.InferenceSession.create(path, SINGLE_THREAD);
  } catch (err) {
    throw new TurnModelError('invalid_model', `${path} is not a loadable ONNX model (${firstLine(err)})`);
  }
  const { kind, dims } = inputOf(session, path);
  const model = new OnnxTurnModel(path, ort, session, kind, dims);
  let p: number;
  try {
    p = await model.predict(new Float32Array(MODEL_WINDOW_SAMPLES));
  } catch (err) {
    throw new TurnModelError('bad_signature', `${path} fails on 8 s of silence (${firstLine(err)})`);
  }
  if (!Number.isFinite(p) || p < 0 || p > 1) {
    throw new TurnModelError('bad_signature', `${path} outputs ${p} on silence, not a probability in [0, 1]`);
  }
  return model;
}

function inputOf(session: OrtSession, path: string): { kind: InputKind; dims: number[] } {
  const expected = 'one float32 input [batch, 80, 800] (Whisper features) or [batch, 128000] (16 kHz audio)';
  const inputs = session.inputMetadata ?? [];
  const meta: OrtValueMetadata | undefined = inputs[0];
  if (inputs.length !== 1 || !meta?.isTensor || meta.type !== 'float32' || session.outputNames.length < 1) {
    throw new TurnModelError('bad_signature', `${path}: expected ${expected}, found ${describe(inputs)}`);
  }
  const shape = meta.shape ?? [];
  const fixed = (d: number | string | undefined, n: number) => d === n;
  const free = (d: number | string | undefined) =>
    d === undefined || typeof d === 'string' || d < 0 || d === 1;
  if (shape.length === 3 && free(shape[0]) && fixed(shape[1], N_MELS) && fixed(shape[2], N_FRAMES)) {
    return { kind: 'features', dims: [1, N_MELS, N_FRAMES] };
  }
  if (
    shape.length === 2 &&
    free(shape[0]) &&
    (fixed(shape[1], MODEL_WINDOW_SAMPLES) || typeof shape[1] === 'string')
  ) {
    return { kind: 'audio', dims: [1, MODEL_WINDOW_SAMPLES] };
  }
  if (shape.length === 1 && fixed(shape[0], MODEL_WINDOW_SAMPLES)) {
    return { kind: 'audio', dims: [MODEL_WINDOW_SAMPLES] };
  }
  throw new TurnModelError('bad_signature', `${path}: expected ${expected}, found ${describe(inputs)}`);
}

function describe(inputs: readonly OrtValueMetadata[]): string {
  return (
    inputs
      .map((i) => `${i.name} ${i.isTensor ? `${i.type} [${(i.shape ?? []).join(', ')}]` : '(not a tensor)'}`)
      .join('; ') || 'no inputs'
  );
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 200);
}
