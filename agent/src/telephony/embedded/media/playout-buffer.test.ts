import { describe, expect, it } from 'vitest';
import { PlayoutBuffer, type MarkEvent } from './playout-buffer.js';

function setup(maxMs?: number) {
  const marks: [string, MarkEvent][] = [];
  const buf = new PlayoutBuffer({ sampleRate: 8000, maxMs, onMark: (n, e) => marks.push([n, e]) });
  return { buf, marks };
}
const ramp = (n: number, from = 1) => Int16Array.from({ length: n }, (_, i) => from + i);

describe('PlayoutBuffer', () => {
  it('plays pushed audio in 20 ms frames across chunk boundaries, then nothing', () => {
    const { buf } = setup();
    buf.push(ramp(100));
    buf.push(ramp(220, 101));
    const a = buf.pull(160)!;
    const b = buf.pull(160)!;
    expect(a[0]).toBe(1);
    expect(a[159]).toBe(160);
    expect(b[0]).toBe(161);
    expect(b[159]).toBe(320);
    expect(buf.pull(160)).toBeUndefined();
  });

  it('a partial frame waits one tick for more, then plays zero-padded', () => {
    const { buf } = setup();
    buf.push(ramp(100));
    expect(buf.pull(160)).toBeUndefined();
    const padded = buf.pull(160)!;
    expect(padded[99]).toBe(100);
    expect(padded[100]).toBe(0);
  });

  it('marks report playout when the audio before them has been played', () => {
    const { buf, marks } = setup();
    buf.push(ramp(320));
    buf.mark('a');
    buf.push(ramp(160));
    buf.mark('b');
    buf.pull(160);
    expect(marks).toEqual([]);
    buf.pull(160);
    expect(marks).toEqual([['a', 'playout']]);
    buf.pull(160);
    expect(marks).toEqual([
      ['a', 'playout'],
      ['b', 'playout'],
    ]);
  });

  it('a mark on an empty buffer plays out on the next tick', () => {
    const { buf, marks } = setup();
    buf.mark('now');
    expect(marks).toEqual([]);
    expect(buf.pull(160)).toBeUndefined();
    expect(marks).toEqual([['now', 'playout']]);
  });

  it('kill flushes audio immediately and reports pending marks as cleared; new audio plays after', () => {
    const { buf, marks } = setup();
    buf.push(ramp(1600));
    buf.mark('m1');
    buf.mark('m2');
    buf.pull(160);
    expect(buf.kill()).toBe(1440);
    expect(marks).toEqual([
      ['m1', 'cleared'],
      ['m2', 'cleared'],
    ]);
    expect(buf.pull(160)).toBeUndefined();
    buf.push(ramp(160, 500));
    expect(buf.pull(160)![0]).toBe(500);
  });

  it('clearMarks forgets marks without reporting them', () => {
    const { buf, marks } = setup();
    buf.push(ramp(160));
    buf.mark('x');
    buf.clearMarks();
    buf.pull(160);
    buf.kill();
    expect(marks).toEqual([]);
  });

  it('caps queued audio (no limitless growth) and tracks at most 30 marks', () => {
    const { buf } = setup(1000);
    expect(buf.push(ramp(6000))).toBe(6000);
    expect(buf.push(ramp(6000))).toBe(2000);
    expect(buf.bufferedMs).toBe(1000);
    expect(buf.droppedSamples).toBe(4000);
    for (let i = 0; i < 31; i++) buf.mark(`m${i}`);
    expect(buf.pendingMarks).toBe(30);
    expect(buf.ignoredMarks).toBe(1);
  });
});
