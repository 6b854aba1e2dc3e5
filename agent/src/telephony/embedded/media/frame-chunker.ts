/**
 * Caller audio to the agent in 20 ms frames whatever the caller's packet time: 10 ms packets are
 * joined two to a frame, 30 ms ones split a frame and a half, 40/60 ms ones into two or three. Lost
 * packets and gaps are filled with silence of their length. A 20 ms packet on a frame boundary passes
 * through as it is (no copy). Pure.
 */
import type { Pcm16 } from '../../../audio/pcm.js';

export class FrameChunker {
  private readonly frame: Int16Array;
  private filled = 0;

  constructor(
    private readonly emit: (pcm: Pcm16) => void,
    readonly frameSamples = 160,
  ) {
    this.frame = new Int16Array(frameSamples);
  }

  push(pcm: Pcm16): void {
    if (this.filled === 0 && pcm.length === this.frameSamples) return this.emit(pcm);
    for (let at = 0; at < pcm.length;) {
      const n = Math.min(this.frameSamples - this.filled, pcm.length - at);
      this.frame.set(pcm.subarray(at, at + n), this.filled);
      this.add(n);
      at += n;
    }
  }

  /** `samples` of silence (a lost packet, or a caller that stopped sending). */
  silence(samples: number): void {
    while (samples > 0) {
      const n = Math.min(this.frameSamples - this.filled, samples);
      this.frame.fill(0, this.filled, this.filled + n);
      this.add(n);
      samples -= n;
    }
  }

  private add(n: number): void {
    this.filled += n;
    if (this.filled < this.frameSamples) return;
    this.emit(this.frame.slice());
    this.filled = 0;
  }
}
