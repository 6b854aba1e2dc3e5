/**
 * One TTS utterance on its way to the caller: text pushed clause by clause, audio sent to the media
 * side the moment it arrives (no pacing here: FreeSWITCH buffers and paces, and sending ahead cut
 * first-audio latency from 170 ms to 14 ms, research drachtio-freeswitch §8). Knows how much of it
 * the caller heard.
 */
import type { Clock, TimerHandle } from '../time/clock.js';
import type { PlayoutClock } from '../audio/playout-clock.js';
import { ProviderError } from '../providers/errors.js';
import type { TtsConnection, TtsUtterance } from '../providers/types.js';
import type { CallChannel } from './call-channel.js';
import { heardPrefix } from './heard-text.js';
import type { MarkTracker } from './mark-tracker.js';

export interface SpeechOutputDeps {
  channel: CallChannel;
  playout: PlayoutClock;
  marks: MarkTracker;
  clock: Clock;
  sampleRate: number;
  firstAudioTimeoutMs: number;
  /** Called once, when the first audio frame of this utterance is handed to the channel. */
  onFirstAudio?: (at: number) => void;
}

export type SpeechStatus = 'done' | 'cancelled' | 'failed';

export interface SpeechResult {
  status: SpeechStatus;
  error?: unknown;
}

export class SpeechOutput {
  text = '';
  firstTextAt: number | undefined;
  firstAudioAt: number | undefined;
  audioSamples = 0;
  complete = false;
  readonly done: Promise<SpeechResult>;
  private readonly utterance: TtsUtterance;
  private readonly baseSamples: number;
  private cancelled = false;
  private ended = false;
  private timer: TimerHandle | undefined;
  private timeoutError: ProviderError | undefined;
  private frozenHeardMs: number | undefined;

  constructor(
    connection: TtsConnection,
    private readonly deps: SpeechOutputDeps,
  ) {
    this.baseSamples = Math.round((deps.playout.sentMs() * deps.sampleRate) / 1000);
    this.utterance = connection.utterance();
    this.done = this.pump();
  }

  pushText(text: string): void {
    const piece = text.replace(/\s+/g, ' ').trim();
    if (this.cancelled || this.ended || !piece) return;
    this.text = this.text ? `${this.text} ${piece}` : piece;
    if (this.firstTextAt === undefined) {
      this.firstTextAt = this.deps.clock.now();
      this.timer = this.deps.clock.setTimeout(
        () => this.onFirstAudioTimeout(),
        this.deps.firstAudioTimeoutMs,
      );
    }
    this.utterance.pushText(`${piece} `);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.utterance.end();
  }

  /** Stop now (barge-in, close): no more audio goes out. Idempotent. */
  cancel(): void {
    if (this.cancelled) return;
    // What was heard is fixed now; audio sent later belongs to other utterances.
    this.frozenHeardMs = this.heardMs();
    this.cancelled = true;
    this.clearTimer();
    this.utterance.cancel();
  }

  get wasCancelled(): boolean {
    return this.cancelled;
  }

  heardMs(): number {
    if (this.frozenHeardMs !== undefined) return this.frozenHeardMs;
    const heard = this.deps.marks.heardSamples() - this.baseSamples;
    return (Math.max(0, Math.min(this.audioSamples, heard)) * 1000) / this.deps.sampleRate;
  }

  audioMs(): number {
    return (this.audioSamples * 1000) / this.deps.sampleRate;
  }

  heardText(): string {
    return heardPrefix({
      text: this.text,
      heardMs: this.heardMs(),
      audioMs: this.audioMs(),
      complete: this.complete,
    });
  }

  private async pump(): Promise<SpeechResult> {
    try {
      for await (const ev of this.utterance) {
        if (this.cancelled) break;
        if (ev.type === 'done') break;
        this.send(ev.pcm);
      }
      this.clearTimer();
      if (this.timeoutError) return { status: 'failed', error: this.timeoutError };
      if (this.cancelled) return { status: 'cancelled' };
      this.complete = true;
      return { status: 'done' };
    } catch (err) {
      this.clearTimer();
      if (this.cancelled && !this.timeoutError) return { status: 'cancelled' };
      return { status: 'failed', error: this.timeoutError ?? err };
    }
  }

  private send(pcm: Int16Array): void {
    if (pcm.length === 0) return;
    if (this.firstAudioAt === undefined) {
      this.firstAudioAt = this.deps.clock.now();
      this.clearTimer();
      this.deps.onFirstAudio?.(this.firstAudioAt);
    }
    this.deps.channel.sendAudio(pcm);
    this.deps.playout.sent(pcm.length);
    this.audioSamples += pcm.length;
    this.deps.marks.afterSend();
  }

  private onFirstAudioTimeout(): void {
    this.timer = undefined;
    if (this.firstAudioAt !== undefined || this.cancelled) return;
    this.timeoutError = new ProviderError('tts', 'timeout', 'no audio from TTS in time', true);
    this.cancel();
  }

  private clearTimer(): void {
    if (this.timer) this.deps.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
