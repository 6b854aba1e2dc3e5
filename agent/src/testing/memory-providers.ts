/**
 * In-memory STT, LLM and TTS for engine tests: scripted, timed by an injected clock, recording what
 * the engine asked of them. Test-only; production code never imports this folder.
 */
import type { Clock } from '../time/clock.js';
import type { Pcm16 } from '../audio/pcm.js';
import { AsyncQueue } from '../streams/async-queue.js';
import { ProviderError } from '../providers/errors.js';
import type {
  ChatMessage,
  LlmEvent,
  LlmProvider,
  LlmRequest,
  SttEvent,
  SttOptions,
  SttProvider,
  SttStream,
  SttTurnEvent,
  ToolCall,
  TtsConnectOptions,
  TtsConnection,
  TtsEvent,
  TtsProvider,
  TtsUtterance,
} from '../providers/types.js';

function clockSleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new ProviderError('llm', 'aborted', 'aborted', false));
    const t = clock.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clock.clearTimeout(t);
      reject(new ProviderError('llm', 'aborted', 'aborted', false));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

// ── STT ──────────────────────────────────────────────────────────────────────

export class MemorySttStream implements SttStream {
  readonly events = new AsyncQueue<SttEvent>();
  pushedSamples = 0;
  finalizeCount = 0;
  closed = false;

  constructor(
    readonly options: SttOptions,
    private readonly onFinalize?: (s: MemorySttStream) => void,
  ) {}

  push(pcm: Pcm16): void {
    if (!this.closed) this.pushedSamples += pcm.length;
  }
  finalize(): void {
    this.finalizeCount++;
    this.onFinalize?.(this);
  }
  end(): void {
    this.close();
  }
  close(): void {
    this.closed = true;
    this.events.close();
  }
  emit(event: SttEvent): void {
    this.events.push(event);
  }
  [Symbol.asyncIterator](): AsyncIterator<SttEvent> {
    return this.events[Symbol.asyncIterator]();
  }
}

export class ScriptedStt implements SttProvider {
  readonly name = 'scripted-stt';
  readonly streams: MemorySttStream[] = [];
  /** The next N connects fail with this error. */
  failConnects = 0;
  connectError = new ProviderError('stt', 'connect_failed', 'scripted connect failure', true);
  /** Answer a finalize() with this (e.g. a fromFinalize final of the pending interim). */
  onFinalize: ((s: MemorySttStream) => void) | undefined;

  connect(options: SttOptions): Promise<SttStream> {
    if (this.failConnects > 0) {
      this.failConnects--;
      return Promise.reject(this.connectError);
    }
    const s = new MemorySttStream(options, (st) => this.onFinalize?.(st));
    this.streams.push(s);
    return Promise.resolve(s);
  }

  get current(): MemorySttStream {
    const s = this.streams.at(-1);
    if (!s) throw new Error('no STT stream connected');
    return s;
  }

  get finalizeCount(): number {
    return this.streams.reduce((n, s) => n + s.finalizeCount, 0);
  }

  get pushedSamples(): number {
    return this.streams.reduce((n, s) => n + s.pushedSamples, 0);
  }

  interim(text: string): void {
    this.current.emit({ type: 'transcript', text, isFinal: false, speechFinal: false, fromFinalize: false });
  }

  final(text: string, speechFinal = true, fromFinalize = false): void {
    this.current.emit({ type: 'transcript', text, isFinal: true, speechFinal, fromFinalize });
  }

  utteranceEnd(): void {
    this.current.emit({ type: 'utterance_end' });
  }

  /** A Flux-style turn event (turn.detector flux). */
  turn(event: SttTurnEvent, text = '', confidence = 0.5): void {
    this.current.emit({ type: 'turn', event, text, index: 0, confidence });
  }

  /** The live stream fails (as a vendor socket dropping would). */
  breakStream(error = new ProviderError('stt', 'closed', 'scripted stream failure', true)): void {
    this.current.emit({ type: 'error', error });
  }
}

// ── LLM ──────────────────────────────────────────────────────────────────────

export type LlmStep =
  | { text: string }
  | { toolCalls: ToolCall[] }
  | { delayMs: number }
  | { error: ProviderError }
  /** Never answer (until aborted). */
  | { hang: true };

export type LlmScript = LlmStep[] | ((request: LlmRequest) => LlmStep[]);

export interface RecordedLlmRequest {
  messages: ChatMessage[];
  tools: string[];
  model: string;
}

/** Split a sentence into streamed tokens of a few characters, like a real model. */
export function tokens(text: string, delayMs = 0): LlmStep[] {
  const parts = text.match(/\S+\s*|\s+/g) ?? [];
  return parts.flatMap((t) => (delayMs > 0 ? [{ delayMs }, { text: t }] : [{ text: t }]));
}

export class ScriptedLlm implements LlmProvider {
  readonly name = 'scripted-llm';
  readonly requests: RecordedLlmRequest[] = [];
  /** Clock time of each request. */
  readonly requestTimes: number[] = [];
  aborted = 0;
  private scripts: LlmScript[] = [];

  constructor(
    private readonly clock: Clock,
    scripts: LlmScript[] = [],
    /** Used when no script is queued. */
    private readonly fallback: LlmScript = [{ text: 'Okay.' }],
  ) {
    this.scripts.push(...scripts);
  }

  enqueue(...scripts: LlmScript[]): void {
    this.scripts.push(...scripts);
  }

  async *stream(request: LlmRequest): AsyncIterable<LlmEvent> {
    this.requestTimes.push(this.clock.now());
    this.requests.push({
      messages: structuredClone([...request.messages]),
      tools: request.tools.map((t) => t.name),
      model: request.model,
    });
    const script = this.scripts.shift() ?? this.fallback;
    const steps = typeof script === 'function' ? script(request) : script;
    try {
      for (const step of steps) {
        if (request.signal.aborted) throw new ProviderError('llm', 'aborted', 'aborted', false);
        if ('delayMs' in step) await clockSleep(this.clock, step.delayMs, request.signal);
        else if ('hang' in step) await clockSleep(this.clock, 1e12, request.signal);
        else if ('error' in step) throw step.error;
        else if ('text' in step) yield { type: 'text', text: step.text };
        else yield { type: 'tool_calls', calls: step.toolCalls };
      }
      yield { type: 'done', finishReason: 'stop' };
    } catch (err) {
      if (err instanceof ProviderError && err.code === 'aborted') this.aborted++;
      throw err;
    }
  }
}

// ── TTS ──────────────────────────────────────────────────────────────────────

export interface MemoryTtsOptions {
  /** Audio length per character of text. */
  msPerChar: number;
  /** Delay from text to its audio. */
  ttfbMs: number;
  /** Audio is delivered in chunks of this length. */
  chunkMs: number;
}

/** A 440 Hz tone, so tests can tell agent audio from silence. */
export function tone(samples: number, rate: number, amplitude = 8000): Pcm16 {
  const out = new Int16Array(samples);
  for (let i = 0; i < samples; i++) out[i] = Math.round(amplitude * Math.sin((2 * Math.PI * 440 * i) / rate));
  return out;
}

export class MemoryUtterance implements TtsUtterance {
  readonly texts: string[] = [];
  ended = false;
  cancelled = false;
  private readonly queue = new AsyncQueue<TtsEvent>({ capacity: 100_000 });
  private pending = 0;

  constructor(
    private readonly clock: Clock,
    private readonly sampleRate: number,
    private readonly o: MemoryTtsOptions,
    private readonly failure: { afterChunks: number; error: ProviderError } | 'silent' | undefined,
  ) {}

  get text(): string {
    return this.texts.join('');
  }

  pushText(text: string): void {
    if (this.cancelled || this.ended) return;
    this.texts.push(text);
    this.pending++;
    if (this.o.ttfbMs > 0) this.clock.setTimeout(() => this.produce(text), this.o.ttfbMs);
    else queueMicrotask(() => this.produce(text));
  }

  end(): void {
    this.ended = true;
    this.maybeDone();
  }

  cancel(): void {
    this.cancelled = true;
    this.queue.close();
  }

  [Symbol.asyncIterator](): AsyncIterator<TtsEvent> {
    const it = this.queue[Symbol.asyncIterator]();
    return {
      next: async () => {
        const r = await it.next();
        if (!r.done && this.failure !== undefined && this.failure !== 'silent' && r.value.type === 'audio') {
          if (this.failure.afterChunks-- <= 0) throw this.failure.error;
        }
        return r;
      },
    };
  }

  private produce(text: string): void {
    this.pending--;
    if (this.cancelled || this.failure === 'silent') return;
    const total = Math.round((text.trim().length * this.o.msPerChar * this.sampleRate) / 1000);
    const chunk = Math.round((this.o.chunkMs * this.sampleRate) / 1000);
    for (let at = 0; at < total; at += chunk) {
      this.queue.push({ type: 'audio', pcm: tone(Math.min(chunk, total - at), this.sampleRate) });
    }
    this.maybeDone();
  }

  private maybeDone(): void {
    if (this.ended && this.pending === 0 && !this.cancelled && this.failure !== 'silent') {
      this.queue.push({ type: 'done' });
      this.queue.close();
    }
  }
}

export class MemoryTts implements TtsProvider {
  readonly name = 'memory-tts';
  readonly utterances: MemoryUtterance[] = [];
  readonly connects: TtsConnectOptions[] = [];
  closedConnections = 0;
  failConnects = 0;
  /** The next utterance fails: after N audio chunks with `error`, or 'silent' (never any audio). */
  failNext: { afterChunks: number; error: ProviderError } | 'silent' | undefined;
  readonly o: MemoryTtsOptions;

  constructor(
    private readonly clock: Clock,
    options: Partial<MemoryTtsOptions> = {},
  ) {
    this.o = { msPerChar: 60, ttfbMs: 0, chunkMs: 40, ...options };
  }

  connect(options: TtsConnectOptions): Promise<TtsConnection> {
    this.connects.push(options);
    if (this.failConnects > 0) {
      this.failConnects--;
      return Promise.reject(new ProviderError('tts', 'connect_failed', 'scripted TTS connect failure', true));
    }
    return Promise.resolve({
      utterance: () => {
        const u = new MemoryUtterance(this.clock, options.sampleRate, this.o, this.failNext);
        this.failNext = undefined;
        this.utterances.push(u);
        return u;
      },
      close: () => void this.closedConnections++,
    });
  }

  /** Texts of every utterance that got any text, in order. */
  spoken(): string[] {
    return this.utterances.map((u) => u.text.trim()).filter((t) => t);
  }
}
