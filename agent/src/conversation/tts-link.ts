/**
 * The call's warm TTS connection (behind the fallback layer, which reopens stale vendor sockets and
 * retries an utterance before its first audio); reconnected once per failure, never in a loop.
 */
import type { Clock } from '../time/clock.js';
import type { Logger } from '../log.js';
import { ProviderError } from '../providers/errors.js';
import type { TtsConnectOptions, TtsConnection, TtsProvider } from '../providers/types.js';

export class TtsLink {
  private current: TtsConnection | undefined;
  private connecting: Promise<boolean> | undefined;

  constructor(
    private readonly provider: TtsProvider,
    private readonly options: Omit<TtsConnectOptions, 'signal'>,
    private readonly signal: AbortSignal,
    private readonly clock: Clock,
    private readonly timeoutMs: number,
    private readonly log: Logger,
  ) {}

  get connection(): TtsConnection | undefined {
    return this.current;
  }

  /**
   * Connect if not connected (one attempt, shared by concurrent callers). A connection the vendor
   * closed since it was last used (an idle socket dropped between turns) is replaced first: a stale
   * socket must never turn the next answer into an apology.
   */
  ensure(): Promise<boolean> {
    if (this.current && !this.current.isOpen()) {
      this.log.info('TTS connection closed while idle; reopening before use');
      this.current.close();
      this.current = undefined;
    }
    if (this.current) return Promise.resolve(true);
    this.connecting ??= this.attempt().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  /** Drop the connection (it failed) and try once more. */
  reconnect(): Promise<boolean> {
    this.current?.close();
    this.current = undefined;
    return this.ensure();
  }

  close(): void {
    this.current?.close();
    this.current = undefined;
  }

  private async attempt(): Promise<boolean> {
    if (this.signal.aborted) return false;
    const started = this.clock.now();
    let timer: ReturnType<Clock['setTimeout']> | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = this.clock.setTimeout(
          () => reject(new ProviderError('tts', 'timeout', 'TTS connect timed out', true)),
          this.timeoutMs,
        );
      });
      const conn = await Promise.race([
        this.provider.connect({ ...this.options, signal: this.signal }),
        timeout,
      ]);
      if (this.signal.aborted) {
        conn.close();
        return false;
      }
      this.current = conn;
      this.log.debug({ ms: this.clock.now() - started }, 'TTS connected');
      return true;
    } catch (err) {
      this.log.error(
        { err: err instanceof ProviderError ? { code: err.code } : String(err) },
        'TTS connect failed',
      );
      return false;
    } finally {
      if (timer) this.clock.clearTimeout(timer);
    }
  }
}
