/**
 * Inbound jitter buffer: frames keyed by extended sequence number, played one per 20 ms tick once
 * `targetFrames` are queued. Reorders, drops late and duplicate packets, reports gaps as lost, and
 * re-primes after an underrun. Entries with a null payload hold a sequence number without audio
 * (telephone-event packets), so they are skipped rather than counted as lost.
 */
import { seqDelta } from './rtp-packet.js';

export type PushResult = 'queued' | 'late' | 'duplicate';
export type PopResult = { kind: 'frame'; payload: Uint8Array } | { kind: 'lost' } | { kind: 'empty' };

export interface JitterBufferOptions {
  /** Frames queued before playout starts (3 × 20 ms: 40–60 ms of delay). */
  targetFrames?: number;
  /** Above this depth the oldest frames are dropped to cut delay. */
  maxFrames?: number;
}

export class JitterBuffer {
  private readonly frames = new Map<number, Uint8Array | null>();
  private highest: number | undefined;
  private next: number | undefined;
  private playing = false;
  private readonly target: number;
  private readonly max: number;
  late = 0;
  duplicates = 0;
  dropped = 0;

  constructor(opts: JitterBufferOptions = {}) {
    this.target = opts.targetFrames ?? 3;
    this.max = Math.max(this.target + 1, opts.maxFrames ?? 10);
  }

  private extend(seq: number): number {
    if (this.highest === undefined) return seq + 0x10000;
    return this.highest + seqDelta(this.highest & 0xffff, seq);
  }

  push(sequence: number, payload: Uint8Array | null): PushResult {
    const ext = this.extend(sequence);
    if (this.next !== undefined && ext < this.next) {
      this.late++;
      return 'late';
    }
    if (this.frames.has(ext)) {
      this.duplicates++;
      return 'duplicate';
    }
    this.frames.set(ext, payload);
    if (this.highest === undefined || ext > this.highest) this.highest = ext;
    this.trim();
    return 'queued';
  }

  private oldest(): number | undefined {
    let min: number | undefined;
    for (const k of this.frames.keys()) if (min === undefined || k < min) min = k;
    return min;
  }

  /** Too much delay queued (a burst, or playout started late): drop the oldest down to the target. */
  private trim(): void {
    const first = this.next ?? this.oldest()!;
    if (this.highest! - first + 1 <= this.max) return;
    const keepFrom = this.highest! - this.target + 1;
    for (const k of [...this.frames.keys()]) {
      if (k < keepFrom) {
        this.frames.delete(k);
        this.dropped++;
      }
    }
    if (this.next !== undefined) this.next = keepFrom;
  }

  /** Take the frame for this tick. */
  pop(): PopResult {
    if (!this.playing) {
      const first = this.oldest();
      if (first === undefined || this.highest! - first + 1 < this.target) return { kind: 'empty' };
      this.playing = true;
      this.next = first;
    }
    for (;;) {
      const next = this.next!;
      if (!this.frames.has(next)) break;
      const payload = this.frames.get(next);
      this.frames.delete(next);
      this.next = next + 1;
      if (payload) return { kind: 'frame', payload };
    }
    if (this.frames.size > 0) {
      this.next = this.next! + 1;
      return { kind: 'lost' };
    }
    // Underrun: wait for `target` frames again, keeping `next` so a paused sender resumes cleanly.
    this.playing = false;
    return { kind: 'empty' };
  }

  /**
   * Low-latency forwarding (caller audio to the fork, where nothing plays it out): the next frame in
   * sequence if it is here, without waiting for the playout target. 'empty' means the next frame has
   * not arrived; a caller that is behind a gap decides when to give up on it with skipGap().
   */
  popInOrder(): PopResult {
    if (this.next === undefined) {
      const first = this.oldest();
      if (first === undefined) return { kind: 'empty' };
      this.next = first;
    }
    for (;;) {
      const next: number = this.next;
      if (!this.frames.has(next)) return { kind: 'empty' };
      const payload = this.frames.get(next);
      this.frames.delete(next);
      this.next = next + 1;
      if (payload) return { kind: 'frame', payload };
    }
  }

  /** Give up waiting for missing frames: jump to the oldest queued one. Returns how many were skipped. */
  skipGap(): number {
    const first = this.oldest();
    if (first === undefined || this.next === undefined || first <= this.next) return 0;
    const skipped = first - this.next;
    this.next = first;
    return skipped;
  }

  get depth(): number {
    return this.frames.size;
  }
}
