import { describe, expect, it } from 'vitest';
import { markEventText, StreamPlayout } from './stream-playout.js';

/** Samples as little-endian bytes, what the server sends in a binary frame. */
function bytes(samples: number[] | Int16Array): Buffer {
  const b = Buffer.alloc(samples.length * 2);
  samples.forEach((s, i) => b.writeInt16LE(s, i * 2));
  return b;
}

const tone = (n: number, value = 1000): number[] => Array.from({ length: n }, () => value);

function setup(streamRate = 8000) {
  const texts: string[] = [];
  const p = new StreamPlayout({ streamRate, codecRate: 8000, sendText: (t) => texts.push(t) });
  /** One 20 ms write frame (silence before dubbing), and the mark notices it produced. */
  const frame = () => {
    const f = new Int16Array(160);
    const before = texts.length;
    p.dub(f);
    return { f, notices: texts.slice(before) };
  };
  return { p, texts, frame };
}

describe('streamed audio into the call (processIncomingBinary / dub_speech_frame)', () => {
  it('holds audio until 160 ms are buffered, then 80 ms; a shorter tail waits for more audio', () => {
    const { p, frame } = setup();
    p.incomingBinary(bytes(tone(800)));
    expect(frame().f.some((s) => s !== 0)).toBe(false); // 100 ms < 160 ms prebuffer: nothing plays
    p.incomingBinary(bytes(tone(800)));
    let played = 0;
    for (let i = 0; i < 12; i++) played += frame().f.filter((s) => s !== 0).length;
    expect(played).toBe(1600);
    p.incomingBinary(bytes(tone(480))); // 60 ms < 80 ms: stuck in the prebuffer
    expect(frame().f.some((s) => s !== 0)).toBe(false);
    expect(p.prebufferedSamples).toBe(480);
    p.incomingBinary(bytes(tone(160)));
    expect(frame().f.filter((s) => s !== 0)).toHaveLength(160);
  });

  it('an odd byte waits for the next frame', () => {
    const { p, frame } = setup();
    const all = bytes(Array.from({ length: 1300 }, (_, i) => (i % 2 ? 1234 : -4321)));
    p.incomingBinary(all.subarray(0, 1001));
    p.incomingBinary(all.subarray(1001));
    const first = frame().f;
    expect(Array.from(first.subarray(0, 4))).toEqual([-4321, 1234, -4321, 1234]);
    const out = [first, ...Array.from({ length: 8 }, () => frame().f)]
      .flatMap((f) => Array.from(f))
      .slice(0, 1300);
    expect(out.every((s, i) => s === (i % 2 ? 1234 : -4321))).toBe(true);
  });

  it('a mark is reported when the audio before it has played, not when it arrives', () => {
    const { p, frame } = setup();
    p.incomingBinary(bytes(tone(1600)));
    p.mark('m1');
    p.incomingBinary(bytes(tone(1600, 2000)));
    const at: number[] = [];
    for (let i = 0; i < 25; i++) if (frame().notices.length) at.push(i);
    expect(at).toEqual([10]);
    expect(markEventText('m1', false)).toBe('{"type": "mark", "data": {"name":"m1", "event": "playout"}}');
  });

  it('a -1 sample in the audio pops the next mark early and is itself dropped', () => {
    const { p, frame, texts } = setup();
    p.mark('m1');
    const speech = tone(1600, 500);
    speech[805] = -1;
    p.incomingBinary(bytes(speech));
    p.mark('m2');
    p.incomingBinary(bytes(tone(1600, 700)));
    const seen: Array<[number, string]> = [];
    let sixth: Int16Array | undefined;
    for (let i = 0; i < 21; i++) {
      const { f, notices } = frame();
      if (i === 5) sixth = f;
      for (const n of notices) seen.push([i, n]);
    }
    expect(seen).toEqual([
      [0, markEventText('m1', false)],
      [5, markEventText('m2', false)], // early: at the -1, not at frame 10
    ]);
    expect(sixth!.filter((s) => s === -1)).toHaveLength(0);
    expect(texts).toHaveLength(2);
  });

  it('killAudio: flushed on the next frame, pending marks "cleared", and the next mark is lost (misnamed later)', () => {
    const { p, frame, texts } = setup();
    p.incomingBinary(bytes(tone(1600)));
    p.mark('m1');
    p.incomingBinary(bytes(tone(1600)));
    frame();
    frame();
    p.kill();
    const k = frame();
    expect(k.notices).toEqual([markEventText('m1', true)]);
    expect(k.f.some((s) => s !== 0)).toBe(false);
    expect(p.bufferedSamples).toBe(0);
    p.mark('m2');
    p.incomingBinary(bytes(tone(1600)));
    p.mark('m3');
    p.incomingBinary(bytes(tone(1600)));
    const after: Array<[number, string]> = [];
    for (let i = 0; i < 30; i++) for (const n of frame().notices) after.push([i, n]);
    // m2's sentinel is eaten by the "cleared" queue; m3's sentinel reports m2.
    expect(after).toEqual([[10, markEventText('m2', false)]]);
    expect(texts.some((t) => t.includes('"m3"'))).toBe(false);
  });

  it('clearMarks forgets marks silently, and they swallow the next sentinels', () => {
    const { p, frame } = setup();
    p.incomingBinary(bytes(tone(1600)));
    p.mark('a');
    p.clearMarks();
    p.mark('b');
    p.incomingBinary(bytes(tone(1600)));
    const notices: string[] = [];
    for (let i = 0; i < 30; i++) notices.push(...frame().notices);
    expect(notices).toEqual([]);
  });

  it('a mark after the last audio fires once the buffer has drained', () => {
    const { p, frame } = setup();
    p.incomingBinary(bytes(tone(1600)));
    p.mark('end');
    const at: number[] = [];
    for (let i = 0; i < 15; i++) if (frame().notices.length) at.push(i);
    expect(at).toEqual([10]);
  });

  it('16 kHz stream on an 8 kHz call: resampled to half the samples, and the sentinels do not survive', () => {
    const { p, frame } = setup(16000);
    p.mark('m1');
    p.incomingBinary(bytes(tone(3200, 900)));
    p.mark('m2');
    p.incomingBinary(bytes(tone(3200, 900)));
    let played = 0;
    const notices: string[] = [];
    for (let i = 0; i < 30; i++) {
      const r = frame();
      played += r.f.filter((s) => s !== 0).length;
      notices.push(...r.notices);
    }
    expect(played).toBeGreaterThanOrEqual(3190);
    expect(played).toBeLessThanOrEqual(3202);
    expect(notices).toEqual([]);
  });

  it('at most 30 marks are tracked', () => {
    const { p } = setup();
    for (let i = 0; i < 31; i++) p.mark(`m${i}`);
    expect(p.discardedMarks).toBe(1);
  });

  it('streamed audio is ADDED to what the channel writes, wrapping around like int16 C addition', () => {
    const { p } = setup();
    p.incomingBinary(bytes(tone(1600, 10_000)));
    const f = new Int16Array(160).fill(30_000);
    p.dub(f);
    expect(f[0]).toBe(30_000 + 10_000 - 65_536);
  });
});
