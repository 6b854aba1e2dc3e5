/**
 * The spoken side of one assistant message: text pushed piece by piece, said through one or more
 * TTS segments (SpeechOutput). It can be withheld — the caller made sound while it played, or spoke
 * while the agent was still thinking — which stops the current segment where the caller stopped
 * hearing it and keeps the unheard rest and everything pushed meanwhile; release() says that rest in
 * a new segment. What the caller heard is the heard part of every segment, in order.
 */
import type { SpeechOutput, SpeechResult } from './speech-output.js';

export class ReplyVoice {
  /** The history message holding this text, once written; trimmed to heardText() on interruption. */
  historyIndex: number | undefined;
  readonly done: Promise<SpeechResult>;
  private readonly pushed: string[] = [];
  private readonly segments: SpeechOutput[] = [];
  private readonly finishedSegments = new WeakSet<SpeechOutput>();
  private current: SpeechOutput | undefined;
  private pending: string[] = [];
  private heardParts: string[] = [];
  private isWithheld: boolean;
  private ended = false;
  private cancelled = false;
  private settled = false;
  private settle!: (r: SpeechResult) => void;
  private readonly failureListeners: ((error: unknown) => void)[] = [];

  constructor(
    private readonly newSpeech: () => SpeechOutput,
    withheld: boolean,
    private readonly onChange: () => void = () => undefined,
  ) {
    this.isWithheld = withheld;
    this.done = new Promise((resolve) => (this.settle = resolve));
  }

  get withheld(): boolean {
    return this.isWithheld;
  }

  /** A segment is still generating or sending audio. */
  get busy(): boolean {
    return this.current !== undefined && !this.finishedSegments.has(this.current);
  }

  get speeches(): readonly SpeechOutput[] {
    return this.segments;
  }

  /** Everything pushed, whether heard or not. */
  text(): string {
    return this.pushed.join(' ');
  }

  heardText(): string {
    return [...this.heardParts, this.current?.heardText() ?? ''].filter((t) => t).join(' ');
  }

  onFailed(listener: (error: unknown) => void): void {
    this.failureListeners.push(listener);
  }

  /** Throws ProviderError('tts') when a segment cannot be started (TTS down). */
  push(piece: string): void {
    const text = piece.replace(/\s+/g, ' ').trim();
    if (!text || this.cancelled || this.ended) return;
    this.pushed.push(text);
    if (this.isWithheld) {
      this.pending.push(text);
      return;
    }
    this.current ??= this.startSegment();
    this.current.pushText(text);
  }

  end(): void {
    if (this.ended || this.cancelled) return;
    this.ended = true;
    if (this.current) this.current.end();
    else if (this.pending.length === 0) this.finish({ status: 'done' });
  }

  /** Stop the current segment where the caller stopped hearing it; keep the rest for release(). */
  withhold(): void {
    if (this.isWithheld || this.cancelled) return;
    this.isWithheld = true;
    const s = this.current;
    this.current = undefined;
    if (s) {
      s.cancel();
      const heard = s.heardText();
      this.heardParts.push(heard);
      const rest = s.text.slice(heard.length).trim();
      if (rest) this.pending.unshift(rest);
    }
    this.onChange();
  }

  /** Say what was withheld, then whatever is pushed next. */
  release(): void {
    if (!this.isWithheld || this.cancelled) return;
    this.isWithheld = false;
    const text = this.pending.splice(0).join(' ');
    if (text) {
      try {
        this.current = this.startSegment();
      } catch (err) {
        this.fail(err);
        return;
      }
      this.current.pushText(text);
      if (this.ended) this.current.end();
    } else if (this.ended) {
      this.finish({ status: 'done' });
    }
    this.onChange();
  }

  /** Stop for good (interruption, close). Idempotent. */
  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    const s = this.current;
    this.current = undefined;
    if (s) {
      s.cancel();
      this.heardParts.push(s.heardText());
    }
    this.pending = [];
    this.finish({ status: 'cancelled' });
    this.onChange();
  }

  private startSegment(): SpeechOutput {
    const s = this.newSpeech();
    this.segments.push(s);
    void s.done.then((r) => this.onSegmentDone(s, r));
    return s;
  }

  private onSegmentDone(s: SpeechOutput, r: SpeechResult): void {
    this.finishedSegments.add(s);
    if (s === this.current) {
      if (r.status === 'failed') this.fail(r.error);
      else if (r.status === 'cancelled') this.finish(r);
      else if (this.ended && this.pending.length === 0) this.finish(r);
    }
    this.onChange();
  }

  private fail(error: unknown): void {
    this.finish({ status: 'failed', error });
    for (const l of this.failureListeners) l(error);
  }

  private finish(r: SpeechResult): void {
    if (this.settled) return;
    this.settled = true;
    this.settle(r);
  }
}
