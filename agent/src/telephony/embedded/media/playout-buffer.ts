/**
 * Agent audio waiting to be played to the caller, as mod_audio_fork keeps it: the agent sends ahead
 * of real time, this buffers (up to a cap) and the 20 ms pacer pulls one frame per tick. Marks sit
 * at the buffer's end when they arrive and are reported 'playout' once everything before them has
 * been pulled; killAudio drops the audio and reports pending marks 'cleared'. Used by the embedded
 * gateway's fork link and by the test fork client, so both behave the same.
 */
import type { Pcm16 } from '../../../audio/pcm.js';

export type MarkEvent = 'playout' | 'cleared';

export interface PlayoutBufferOptions {
  sampleRate: number;
  /** Cap on queued audio; what does not fit is dropped (default 60 s). */
  maxMs?: number;
  /** Marks tracked at once, as in the module (default 30); further marks are ignored. */
  maxMarks?: number;
  onMark(name: string, event: MarkEvent): void;
}

export class PlayoutBuffer {
  private chunks: Pcm16[] = [];
  private headOffset = 0;
  private written = 0;
  private read = 0;
  private marks: { name: string; at: number }[] = [];
  private waitedOnPartial = false;
  private readonly maxSamples: number;
  private readonly maxMarks: number;
  droppedSamples = 0;
  ignoredMarks = 0;

  constructor(private readonly opts: PlayoutBufferOptions) {
    this.maxSamples = Math.round(((opts.maxMs ?? 60_000) * opts.sampleRate) / 1000);
    this.maxMarks = opts.maxMarks ?? 30;
  }

  get bufferedSamples(): number {
    return this.written - this.read;
  }

  get bufferedMs(): number {
    return (this.bufferedSamples * 1000) / this.opts.sampleRate;
  }

  get pendingMarks(): number {
    return this.marks.length;
  }

  /** Queue audio; returns how many samples were accepted. */
  push(pcm: Pcm16): number {
    const room = this.maxSamples - this.bufferedSamples;
    const take = Math.max(0, Math.min(room, pcm.length));
    if (take < pcm.length) this.droppedSamples += pcm.length - take;
    if (take === 0) return 0;
    this.chunks.push(take === pcm.length ? pcm : pcm.subarray(0, take));
    this.written += take;
    return take;
  }

  mark(name: string): boolean {
    if (this.marks.length >= this.maxMarks) {
      this.ignoredMarks++;
      return false;
    }
    this.marks.push({ name, at: this.written });
    return true;
  }

  /** Forget tracked marks without reporting them. */
  clearMarks(): void {
    this.marks = [];
  }

  /** killAudio: drop everything queued; report pending marks as cleared. Returns samples dropped. */
  kill(): number {
    const dropped = this.bufferedSamples;
    this.chunks = [];
    this.headOffset = 0;
    this.read = this.written;
    this.waitedOnPartial = false;
    const pending = this.marks;
    this.marks = [];
    for (const m of pending) this.opts.onMark(m.name, 'cleared');
    return dropped;
  }

  /**
   * The next `samples` of audio for one tick, or undefined when there is nothing to play. A partial
   * frame waits one tick for the rest (senders paced with odd chunk sizes), then plays zero-padded.
   */
  pull(samples: number): Pcm16 | undefined {
    const available = this.bufferedSamples;
    if (available === 0 || (available < samples && !this.waitedOnPartial)) {
      this.waitedOnPartial = available > 0;
      this.firePlayedMarks();
      return undefined;
    }
    this.waitedOnPartial = false;
    const out = new Int16Array(samples);
    let filled = 0;
    while (filled < samples && this.chunks.length > 0) {
      const head = this.chunks[0]!;
      const n = Math.min(samples - filled, head.length - this.headOffset);
      out.set(head.subarray(this.headOffset, this.headOffset + n), filled);
      filled += n;
      this.headOffset += n;
      if (this.headOffset === head.length) {
        this.chunks.shift();
        this.headOffset = 0;
      }
    }
    this.read += filled;
    this.firePlayedMarks();
    return out;
  }

  private firePlayedMarks(): void {
    while (this.marks.length > 0 && this.marks[0]!.at <= this.read) {
      const m = this.marks.shift()!;
      this.opts.onMark(m.name, 'playout');
    }
  }
}
