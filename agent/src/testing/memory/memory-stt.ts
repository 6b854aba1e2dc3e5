/**
 * The in-memory STT double: events are scripted by the test. Same contract as the Deepgram adapter
 * (stt-conformance.test.ts runs both): close() and end() finish the iterator quietly; a broken
 * stream yields exactly one `error` event (a retryable ProviderError) and then finishes; a refused
 * connect rejects with a ProviderError.
 */
import type { Pcm16 } from '../../audio/pcm.js';
import { errorForHttpStatus, ProviderError } from '../../providers/errors.js';
import type { SttEvent, SttOptions, SttProvider, SttStream, SttTurnEvent } from '../../providers/types.js';
import { AsyncQueue } from '../../streams/async-queue.js';

export class MemorySttStream implements SttStream {
  readonly events = new AsyncQueue<SttEvent>();
  pushedSamples = 0;
  finalizeCount = 0;
  closed = false;

  constructor(
    readonly options: SttOptions,
    private readonly onFinalize?: (s: MemorySttStream) => void,
    private readonly onPush?: (s: MemorySttStream, pcm: Pcm16) => void,
  ) {
    options.signal.addEventListener('abort', () => this.close(), { once: true });
  }

  push(pcm: Pcm16): void {
    if (this.closed) return;
    this.pushedSamples += pcm.length;
    this.onPush?.(this, pcm);
  }
  finalize(): void {
    if (this.closed) return;
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
    if (this.closed) return;
    this.events.push(event);
  }
  /** The vendor dropped the stream: one error event, then the end. */
  break(error: ProviderError): void {
    if (this.closed) return;
    this.events.push({ type: 'error', error });
    this.close();
  }
  [Symbol.asyncIterator](): AsyncIterator<SttEvent> {
    return this.events[Symbol.asyncIterator]();
  }
}

export class ScriptedStt implements SttProvider {
  readonly name: string = 'scripted-stt';
  readonly streams: MemorySttStream[] = [];
  /** The next N connects fail with this error. */
  failConnects = 0;
  connectError = new ProviderError('stt', 'connect_failed', 'scripted connect failure', true);
  /** Answer a finalize() with this (e.g. a fromFinalize final of the pending interim). */
  onFinalize: ((s: MemorySttStream) => void) | undefined;
  /** Called on every audio frame a stream receives (a test can answer replayed audio). */
  onPush: ((s: MemorySttStream, pcm: Pcm16) => void) | undefined;

  /** connect() calls, refused ones included. */
  attempts = 0;

  connect(options: SttOptions): Promise<SttStream> {
    this.attempts++;
    if (options.signal.aborted)
      return Promise.reject(new ProviderError('stt', 'aborted', 'aborted before connect', false));
    if (this.failConnects > 0) {
      this.failConnects--;
      return Promise.reject(this.connectError);
    }
    const s = new MemorySttStream(
      options,
      (st) => this.onFinalize?.(st),
      (st, pcm) => this.onPush?.(st, pcm),
    );
    this.streams.push(s);
    return Promise.resolve(s);
  }

  /** Refuse connects as the vendor would answer an upgrade with `status`. */
  refuse(status: number, times = 1): void {
    this.failConnects = times;
    this.connectError = errorForHttpStatus('stt', 'scripted STT', status);
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
    this.current.break(error);
  }
}
