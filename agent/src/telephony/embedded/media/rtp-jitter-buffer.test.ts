import { describe, expect, it } from 'vitest';
import { JitterBuffer, type PopResult } from './rtp-jitter-buffer.js';

const pl = (n: number) => Uint8Array.of(n & 0xff);
const show = (r: PopResult) => (r.kind === 'frame' ? r.payload[0]! : r.kind);

describe('jitter buffer', () => {
  it('waits for the target depth, then plays in sequence order despite reordering', () => {
    const jb = new JitterBuffer({ targetFrames: 3 });
    jb.push(100, pl(100));
    expect(show(jb.pop())).toBe('empty');
    jb.push(102, pl(102));
    jb.push(101, pl(101));
    const out = [show(jb.pop())];
    jb.push(104, pl(104));
    jb.push(103, pl(103));
    out.push(show(jb.pop()), show(jb.pop()), show(jb.pop()), show(jb.pop()));
    expect(out).toEqual([100, 101, 102, 103, 104]);
  });

  it('drops duplicates and packets that arrive after their slot played; reports gaps as lost', () => {
    const jb = new JitterBuffer({ targetFrames: 2 });
    expect(jb.push(1, pl(1))).toBe('queued');
    expect(jb.push(1, pl(1))).toBe('duplicate');
    jb.push(3, pl(3));
    expect([show(jb.pop()), show(jb.pop()), show(jb.pop())]).toEqual([1, 'lost', 3]);
    expect(jb.push(2, pl(2))).toBe('late');
    expect(jb.late).toBe(1);
    expect(jb.duplicates).toBe(1);
  });

  it('skips sequence numbers held by telephone-event packets without reporting loss', () => {
    const jb = new JitterBuffer({ targetFrames: 2 });
    jb.push(10, pl(10));
    jb.push(11, null);
    jb.push(12, null);
    jb.push(13, pl(13));
    expect([show(jb.pop()), show(jb.pop())]).toEqual([10, 13]);
  });

  it('crosses the 16-bit sequence wrap', () => {
    const jb = new JitterBuffer({ targetFrames: 2 });
    jb.push(65535, pl(1));
    jb.push(0, pl(2));
    jb.push(1, pl(3));
    expect([show(jb.pop()), show(jb.pop()), show(jb.pop())]).toEqual([1, 2, 3]);
  });

  it('after an underrun (sender paused) re-primes and resumes without calling the pause loss', () => {
    const jb = new JitterBuffer({ targetFrames: 2 });
    jb.push(1, pl(1));
    jb.push(2, pl(2));
    expect([show(jb.pop()), show(jb.pop()), show(jb.pop()), show(jb.pop())]).toEqual([
      1,
      2,
      'empty',
      'empty',
    ]);
    jb.push(3, pl(3));
    expect(show(jb.pop())).toBe('empty');
    jb.push(4, pl(4));
    expect([show(jb.pop()), show(jb.pop())]).toEqual([3, 4]);
  });

  it('a burst beyond maxFrames drops the oldest down to the target', () => {
    const jb = new JitterBuffer({ targetFrames: 3, maxFrames: 6 });
    for (let s = 0; s < 10; s++) jb.push(s, pl(s));
    // At 7 queued (0..6) the buffer trims to the newest 3 (4..6); 7..9 then fit under the cap.
    expect(jb.dropped).toBe(4);
    expect(Array.from({ length: 7 }, () => show(jb.pop()))).toEqual([4, 5, 6, 7, 8, 9, 'empty']);
  });
});

describe('jitter buffer: in-order forwarding (caller audio to the fork)', () => {
  it('hands frames up as soon as they are next in sequence, without a playout target', () => {
    const jb = new JitterBuffer({ targetFrames: 3 });
    jb.push(100, pl(100));
    expect(show(jb.popInOrder())).toBe(100);
    expect(show(jb.popInOrder())).toBe('empty');
    jb.push(102, pl(102)); // 101 is missing: 102 waits
    expect(show(jb.popInOrder())).toBe('empty');
    jb.push(101, pl(101)); // reordered packet arrives: both go
    expect([show(jb.popInOrder()), show(jb.popInOrder()), show(jb.popInOrder())]).toEqual([
      101,
      102,
      'empty',
    ]);
  });

  it('gives up on a missing frame only when asked, and skips telephone-event slots', () => {
    const jb = new JitterBuffer();
    jb.push(10, pl(10));
    jb.popInOrder();
    jb.push(13, pl(13)); // 11 and 12 lost
    expect(show(jb.popInOrder())).toBe('empty');
    expect(jb.skipGap()).toBe(2);
    expect(show(jb.popInOrder())).toBe(13);
    jb.push(14, null); // DTMF packet holds the slot
    jb.push(15, pl(15));
    expect(show(jb.popInOrder())).toBe(15);
    expect(jb.skipGap()).toBe(0);
    jb.push(12, pl(12)); // too late now
    expect(jb.late).toBe(1);
  });
});
