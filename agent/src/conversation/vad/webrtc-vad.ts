/**
 * WebRTC VAD (libfvad compiled to WASM, @echogarden/fvad-wasm). Cheap (a GMM on band energies,
 * no model file), so it is the default for call density. 20 ms frames, natively at 8/16/32/48 kHz.
 */
import type { Clock } from '../../time/clock.js';
import { FrameVad } from './frame-vad.js';
import type { ClassifierSpec, SpeechClassifier } from './speech-classifier.js';
import type { Vad, VadTiming } from './vad.js';

/** Aggressiveness 0 (least) … 3 (most eager to call audio non-speech). */
export type WebrtcVadMode = 0 | 1 | 2 | 3;

/**
 * Onset 60 ms = three 20 ms frames of speech in a row; hangover 200 ms. The first 200 ms of a call
 * are ignored: libfvad calls everything speech until its noise model has adapted (measured: the
 * first 80 ms of steady noise at any level come out as speech).
 */
export const WEBRTC_VAD_DEFAULTS: VadTiming & { mode: WebrtcVadMode; warmupMs: number } = {
  onsetMs: 60,
  hangoverMs: 200,
  mode: 3,
  warmupMs: 200,
};

const FRAME_MS = 20;

interface FvadModule {
  _fvad_new(): number;
  _fvad_free(handle: number): void;
  _fvad_set_mode(handle: number, mode: number): number;
  _fvad_set_sample_rate(handle: number, rate: number): number;
  _fvad_process(handle: number, buf: number, samples: number): number;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  setValue(ptr: number, value: number, type: 'i16'): void;
}

let modulePromise: Promise<FvadModule> | undefined;

/** Load the WASM once per process (about 20 KB); each call gets its own small detector state. */
function loadFvad(): Promise<FvadModule> {
  modulePromise ??= import('@echogarden/fvad-wasm').then((m) => m.default() as Promise<FvadModule>);
  return modulePromise;
}

class WebrtcClassifier implements SpeechClassifier {
  readonly frameSamples: number;
  private handle: number;
  private buf: number;

  constructor(
    private readonly fvad: FvadModule,
    readonly sampleRate: number,
    mode: WebrtcVadMode,
  ) {
    this.frameSamples = (sampleRate * FRAME_MS) / 1000;
    this.handle = fvad._fvad_new();
    if (this.handle === 0) throw new Error('fvad_new failed');
    if (fvad._fvad_set_mode(this.handle, mode) !== 0) throw new Error(`fvad mode ${mode} rejected`);
    if (fvad._fvad_set_sample_rate(this.handle, sampleRate) !== 0)
      throw new Error(`fvad rate ${sampleRate} rejected`);
    this.buf = fvad._malloc(this.frameSamples * 2);
  }

  classify(frame: Int16Array): boolean {
    if (this.handle === 0) return false;
    for (let i = 0; i < frame.length; i++) this.fvad.setValue(this.buf + 2 * i, frame[i]!, 'i16');
    return this.fvad._fvad_process(this.handle, this.buf, frame.length) === 1;
  }

  close(): void {
    if (this.handle === 0) return;
    this.fvad._fvad_free(this.handle);
    this.fvad._free(this.buf);
    this.handle = 0;
  }
}

export function webrtcClassifierSpec(mode: WebrtcVadMode = WEBRTC_VAD_DEFAULTS.mode): ClassifierSpec {
  return {
    rates: [8000, 16000, 32000, 48000],
    create: async (rate) => new WebrtcClassifier(await loadFvad(), rate, mode),
  };
}

export interface WebrtcVadOptions extends Partial<VadTiming> {
  sampleRate: number;
  clock: Clock;
  mode?: WebrtcVadMode;
  onError?: (err: unknown) => void;
}

export function createWebrtcVad(options: WebrtcVadOptions): Vad {
  const spec = webrtcClassifierSpec(options.mode ?? WEBRTC_VAD_DEFAULTS.mode);
  const rate = spec.rates.includes(options.sampleRate) ? options.sampleRate : 16000;
  return new FrameVad({
    kind: 'webrtc',
    sampleRate: options.sampleRate,
    clock: options.clock,
    onsetMs: options.onsetMs ?? WEBRTC_VAD_DEFAULTS.onsetMs,
    hangoverMs: options.hangoverMs ?? WEBRTC_VAD_DEFAULTS.hangoverMs,
    classifier: spec.create(rate),
    warmupMs: WEBRTC_VAD_DEFAULTS.warmupMs,
    ...(options.onError ? { onError: options.onError } : {}),
  });
}
