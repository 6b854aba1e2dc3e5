import { describe, expect, it } from 'vitest';
import { FrameChunker } from './frame-chunker.js';

const ramp = (from: number, n: number) => Int16Array.from({ length: n }, (_, i) => from + i);

describe('FrameChunker: caller packets of any ptime to 20 ms frames', () => {
  it.each([80, 240, 320, 480])(
    '%i-sample packets come out as 160-sample frames, in order, nothing lost',
    (size) => {
      const frames: Int16Array[] = [];
      const c = new FrameChunker((f) => frames.push(f));
      for (let i = 0; i < 6; i++) c.push(ramp(i * size, size));
      expect(frames.every((f) => f.length === 160)).toBe(true);
      expect(frames).toHaveLength(Math.floor((6 * size) / 160));
      const all = Int16Array.from(frames.flatMap((f) => [...f]));
      expect([...all]).toEqual([...ramp(0, all.length)]);
    },
  );

  it('a 20 ms packet on a frame boundary passes through as it is; silence fills by samples', () => {
    const frames: Int16Array[] = [];
    const c = new FrameChunker((f) => frames.push(f));
    const p = ramp(1, 160);
    c.push(p);
    expect(frames[0]).toBe(p);
    c.push(ramp(1, 240));
    c.silence(80);
    expect(frames).toHaveLength(3);
    expect([...frames[2]!.subarray(0, 80)]).toEqual([...ramp(161, 80)]);
    expect(frames[2]!.subarray(80).every((v) => v === 0)).toBe(true);
  });
});
