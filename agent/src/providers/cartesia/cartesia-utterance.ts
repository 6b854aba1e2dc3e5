/**
 * One reply = one Cartesia context: text pushed clause by clause (continue:true), end() sends the
 * empty continue:false so `done` arrives, cancel() sends {cancel:true, context_id}. Audio chunks
 * (base64 pcm_s16le, decoded by the SDK) come out as Int16Array as soon as they arrive.
 */
import { pcmFromBytes } from '../../audio/pcm.js';
import { errorForHttpStatus, ProviderError } from '../errors.js';
import { AsyncQueue } from '../../streams/async-queue.js';
import type { TtsEvent, TtsUtterance } from '../types.js';
import type { TtsContext } from './cartesia-sdk.js';

export interface UtteranceHooks {
  /** False once the socket closed; we then fail instead of letting the SDK re-dial behind us. */
  isOpen(): boolean;
  /** Longest wait for audio after text went out (or for `done` after end()). */
  receiveTimeoutMs: number;
  onFinished(u: CartesiaUtterance): void;
  /** Drop the SDK's queue for a context without sending anything (the SDK would re-dial to send). */
  release(contextId: string): void;
}

interface ServerErrorEvent {
  type: 'error';
  status_code?: number;
  message?: string;
  title?: string;
}

export function providerErrorFromCartesiaEvent(ev: ServerErrorEvent): ProviderError {
  const status = ev.status_code ?? 0;
  const text = `Cartesia error ${status}: ${ev.message ?? ev.title ?? 'unknown'}`;
  const mapped = errorForHttpStatus('tts', 'Cartesia', status);
  return new ProviderError('tts', mapped.code, text, mapped.retryable);
}

export class CartesiaUtterance implements TtsUtterance {
  private readonly queue = new AsyncQueue<TtsEvent>({
    capacity: 100_000,
    overflow: 'fail',
    onOverflow: () => new ProviderError('tts', 'bad_response', 'TTS audio not consumed', false),
    onReturn: () => this.cancel(),
  });
  private sending: Promise<void> = Promise.resolve();
  private ended = false;
  private finished = false;
  private watchdog: NodeJS.Timeout | undefined;
  private carry: number | undefined;

  constructor(
    private readonly ctx: TtsContext,
    private readonly hooks: UtteranceHooks,
  ) {
    void this.pump();
  }

  get contextId(): string {
    return this.ctx.contextId;
  }

  pushText(text: string): void {
    if (this.finished || this.ended || text === '') return;
    this.armWatchdog();
    this.send(() => this.ctx.push({ transcript: text }));
  }

  end(): void {
    if (this.finished || this.ended) return;
    this.ended = true;
    this.armWatchdog();
    this.send(() => this.ctx.no_more_inputs());
  }

  cancel(): void {
    if (this.finished) return;
    this.finish();
    this.queue.clear();
    // Unregisters the context queue at once (the pump ends), then sends {cancel:true, context_id}.
    if (this.hooks.isOpen()) void this.ctx.cancel();
    else this.hooks.release(this.ctx.contextId);
  }

  /** The connection failed under us. */
  fail(error: ProviderError): void {
    if (this.finished) return;
    this.finish();
    this.queue.fail(error);
    this.hooks.release(this.ctx.contextId);
  }

  [Symbol.asyncIterator](): AsyncIterator<TtsEvent> {
    return this.queue[Symbol.asyncIterator]();
  }

  private send(op: () => Promise<void>): void {
    this.sending = this.sending.then(async () => {
      if (this.finished) return;
      if (!this.hooks.isOpen())
        return this.fail(new ProviderError('tts', 'closed', 'Cartesia socket is closed', true));
      try {
        await op();
      } catch (err) {
        this.fail(new ProviderError('tts', 'closed', 'Cartesia send failed', true, { cause: err }));
      }
    });
  }

  private async pump(): Promise<void> {
    try {
      for await (const ev of this.ctx.receive()) {
        if (this.finished) return;
        if (ev.type === 'chunk') {
          this.armWatchdogIfWaiting();
          const pcm = this.decode(ev.audio);
          if (pcm.length) this.queue.push({ type: 'audio', pcm });
        } else if (ev.type === 'done') {
          this.finish();
          this.queue.push({ type: 'done' });
          this.queue.close();
          return;
        } else if (ev.type === 'error') {
          return this.fail(providerErrorFromCartesiaEvent(ev));
        }
      }
    } catch (err) {
      if (!this.finished)
        this.fail(new ProviderError('tts', 'bad_response', 'Cartesia stream failed', true, { cause: err }));
    }
  }

  /** Bytes → samples, keeping an odd trailing byte for the next chunk. */
  private decode(audio: Uint8Array | undefined): Int16Array {
    if (!audio || audio.length === 0) return new Int16Array(0);
    let bytes = audio;
    if (this.carry !== undefined) {
      bytes = new Uint8Array(audio.length + 1);
      bytes[0] = this.carry;
      bytes.set(audio, 1);
      this.carry = undefined;
    }
    if (bytes.length % 2 === 1) {
      this.carry = bytes[bytes.length - 1];
      bytes = bytes.subarray(0, bytes.length - 1);
    }
    return Int16Array.from(pcmFromBytes(bytes));
  }

  private armWatchdog(): void {
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => {
      this.fail(
        new ProviderError(
          'tts',
          'timeout',
          `no audio from Cartesia for ${this.hooks.receiveTimeoutMs} ms`,
          true,
        ),
      );
      if (this.hooks.isOpen()) void this.ctx.cancel();
    }, this.hooks.receiveTimeoutMs);
  }

  /** Audio arrived: keep waiting only if we still expect more (text pending or done pending). */
  private armWatchdogIfWaiting(): void {
    if (this.ended) this.armWatchdog();
    else clearTimeout(this.watchdog);
  }

  private finish(): void {
    this.finished = true;
    clearTimeout(this.watchdog);
    this.hooks.onFinished(this);
  }
}
