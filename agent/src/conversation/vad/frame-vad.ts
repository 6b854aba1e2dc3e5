/**
 * Turns a frame classifier into a `Vad`: cuts audio of any size into model frames (resampling when
 * the model runs at another rate), runs the classifier in order, and applies the onset and hangover
 * windows. Model loading is asynchronous; audio that arrives before it is ready is kept (bounded).
 */
import type { Clock } from '../../time/clock.js';
import type { Pcm16 } from '../../audio/pcm.js';
import { resample } from '../../audio/resample.js';
import { AsyncQueue } from '../../streams/async-queue.js';
import type { SpeechClassifier } from './speech-classifier.js';
import type { Vad, VadEvent, VadTiming } from './vad.js';

/** Keep at most this much audio while the model loads, and this many frames waiting for a slow model. */
const MAX_PRELOAD_MS = 2000;
const MAX_BACKLOG_FRAMES = 64;

export interface FrameVadOptions extends VadTiming {
  kind: string;
  sampleRate: number;
  clock: Clock;
  classifier: Promise<SpeechClassifier>;
  /** Classify but ignore the first audio while the model's noise estimate settles. */
  warmupMs?: number;
  onError?: (err: unknown) => void;
}

export class FrameVad implements Vad {
  readonly kind: string;
  readonly onsetMs: number;
  readonly hangoverMs: number;
  private readonly events = new AsyncQueue<VadEvent>({ capacity: 256 });
  private classifier: SpeechClassifier | undefined;
  private preload: { pcm: Pcm16; at: number }[] = [];
  private preloadSamples = 0;
  private carry: Int16Array = new Int16Array(0);
  private chain: Promise<void> = Promise.resolve();
  private readonly loaded: Promise<void>;
  private backlog = 0;
  private closed = false;
  private isSpeaking = false;
  private speechRunMs = 0;
  private speechRunStartAt = 0;
  private silenceRunMs = 0;
  private lastSpeechEndAt = 0;
  private classifiedMs = 0;
  /** Frames dropped because the model fell behind (CPU overload). */
  droppedFrames = 0;

  constructor(private readonly options: FrameVadOptions) {
    this.kind = options.kind;
    this.onsetMs = options.onsetMs;
    this.hangoverMs = options.hangoverMs;
    this.loaded = options.classifier.then(
      (c) => this.ready(c),
      (err: unknown) => options.onError?.(err),
    );
  }

  get speaking(): boolean {
    return this.isSpeaking;
  }

  push(pcm: Pcm16): void {
    if (this.closed || pcm.length === 0) return;
    const at = this.options.clock.now();
    if (!this.classifier) {
      this.preload.push({ pcm, at });
      this.preloadSamples += pcm.length;
      while (this.preloadSamples > (MAX_PRELOAD_MS * this.options.sampleRate) / 1000) {
        this.preloadSamples -= this.preload.shift()!.pcm.length;
      }
      return;
    }
    this.feed(this.classifier, pcm, at);
  }

  whenIdle(): Promise<void> {
    return this.loaded.then(() => this.chain);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.events.close();
    this.classifier?.close();
    this.preload = [];
  }

  [Symbol.asyncIterator](): AsyncIterator<VadEvent> {
    return this.events[Symbol.asyncIterator]();
  }

  private ready(classifier: SpeechClassifier): void {
    if (this.closed) {
      classifier.close();
      return;
    }
    this.classifier = classifier;
    for (const { pcm, at } of this.preload.splice(0)) this.feed(classifier, pcm, at);
    this.preloadSamples = 0;
  }

  /** `at` is the clock time at which the last sample of `pcm` arrived. */
  private feed(classifier: SpeechClassifier, pcm: Pcm16, at: number): void {
    const input = resample(pcm, this.options.sampleRate, classifier.sampleRate);
    const joined = new Int16Array(this.carry.length + input.length);
    joined.set(this.carry);
    joined.set(input, this.carry.length);
    const n = classifier.frameSamples;
    const frameMs = (n * 1000) / classifier.sampleRate;
    let offset = 0;
    for (; offset + n <= joined.length; offset += n) {
      const frame = joined.subarray(offset, offset + n);
      const endAt = at - ((joined.length - offset - n) * 1000) / classifier.sampleRate;
      this.classifyFrame(classifier, frame, endAt, frameMs);
    }
    this.carry = joined.slice(offset);
  }

  private classifyFrame(
    classifier: SpeechClassifier,
    frame: Int16Array,
    endAt: number,
    frameMs: number,
  ): void {
    if (this.backlog === 0) {
      const result = this.safeClassify(classifier, frame);
      if (typeof result === 'boolean') {
        this.step(result, endAt, frameMs);
        return;
      }
      this.enqueue(result, endAt, frameMs);
      return;
    }
    if (this.backlog >= MAX_BACKLOG_FRAMES) {
      this.droppedFrames++;
      return;
    }
    const copy = frame.slice();
    this.enqueue(
      this.chain.then(() => this.safeClassify(classifier, copy)),
      endAt,
      frameMs,
    );
  }

  private enqueue(result: Promise<boolean> | boolean, endAt: number, frameMs: number): void {
    this.backlog++;
    this.chain = Promise.resolve(result)
      .catch((err: unknown) => {
        this.options.onError?.(err);
        return false;
      })
      .then((isSpeech) => {
        this.backlog--;
        if (!this.closed) this.step(isSpeech, endAt, frameMs);
      });
  }

  private safeClassify(classifier: SpeechClassifier, frame: Int16Array): boolean | Promise<boolean> {
    try {
      return classifier.classify(frame);
    } catch (err) {
      this.options.onError?.(err);
      return false;
    }
  }

  /** Onset / hangover state machine over classified frames. */
  private step(rawSpeech: boolean, endAt: number, frameMs: number): void {
    const now = this.options.clock.now();
    this.classifiedMs += frameMs;
    const isSpeech = rawSpeech && this.classifiedMs > (this.options.warmupMs ?? 0);
    if (!this.isSpeaking) {
      if (!isSpeech) {
        this.speechRunMs = 0;
        return;
      }
      if (this.speechRunMs === 0) this.speechRunStartAt = endAt - frameMs;
      this.speechRunMs += frameMs;
      if (this.speechRunMs >= this.onsetMs) {
        this.isSpeaking = true;
        this.silenceRunMs = 0;
        this.events.push({ type: 'speech_start', at: this.speechRunStartAt, detectedAt: now });
      }
      return;
    }
    if (isSpeech) {
      this.silenceRunMs = 0;
      return;
    }
    if (this.silenceRunMs === 0) this.lastSpeechEndAt = endAt - frameMs;
    this.silenceRunMs += frameMs;
    if (this.silenceRunMs >= this.hangoverMs) {
      this.isSpeaking = false;
      this.speechRunMs = 0;
      this.events.push({ type: 'speech_end', at: this.lastSpeechEndAt, detectedAt: now });
    }
  }
}
