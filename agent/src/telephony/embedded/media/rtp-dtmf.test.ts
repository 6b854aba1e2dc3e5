import { describe, expect, it } from 'vitest';
import { DtmfReceiver, encodeDtmfPayload, parseDtmfPayload, planDtmf } from './rtp-dtmf.js';
import { parseRtp } from './rtp-packet.js';
import { RtpSender } from './rtp-sender.js';

const ev = (event: number, end: boolean, duration: number) =>
  encodeDtmfPayload({ event, end, volume: 10, duration });

describe('RFC 4733 DTMF in', () => {
  it('payload bytes follow RFC 4733 §2.3 (event, E|R|volume, duration)', () => {
    expect([...encodeDtmfPayload({ event: 11, end: true, volume: 10, duration: 800 })]).toEqual([
      11, 0x8a, 0x03, 0x20,
    ]);
    expect(parseDtmfPayload(Uint8Array.of(5, 0x0a, 0, 160))).toEqual({
      event: 5,
      end: false,
      volume: 10,
      duration: 160,
    });
  });

  it('reports one digit per event: start packets, then three retransmitted end packets', () => {
    const rx = new DtmfReceiver();
    const got = [
      rx.receive(1000, ev(1, false, 160)),
      rx.receive(1000, ev(1, false, 320)),
      rx.receive(1000, ev(1, false, 480)),
      rx.receive(1000, ev(1, true, 800)),
      rx.receive(1000, ev(1, true, 800)),
      rx.receive(1000, ev(1, true, 800)),
    ].flat();
    expect(got).toEqual([{ digit: '1', durationMs: 100 }]);
  });

  it('two presses of the same key are two digits (different timestamps); # and * map right', () => {
    const rx = new DtmfReceiver();
    const got = [
      rx.receive(1000, ev(11, false, 160)),
      rx.receive(1000, ev(11, true, 640)),
      rx.receive(3000, ev(11, true, 640)),
      rx.receive(5000, ev(10, true, 480)),
      rx.receive(5000, ev(10, true, 480)),
    ].flat();
    expect(got.map((d) => d.digit)).toEqual(['#', '#', '*']);
  });

  it('an event whose end packets were all lost is reported when the next one starts', () => {
    const rx = new DtmfReceiver();
    expect(rx.receive(1000, ev(7, false, 160))).toEqual([]);
    expect(rx.receive(1000, ev(7, false, 480))).toEqual([]);
    expect(rx.receive(2000, ev(8, false, 160))).toEqual([{ digit: '7', durationMs: 60 }]);
  });
});

describe('RFC 4733 DTMF out', () => {
  it('plans 20 ms event packets with growing duration, marker on the first, three end packets', () => {
    const plan = planDtmf('5', 160, { toneMs: 100, gapMs: 40 });
    const events = plan.filter((t) => t.kind === 'event');
    expect(events).toHaveLength(5);
    expect(plan.filter((t) => t.kind === 'gap')).toHaveLength(2);
    const last = events[4]!;
    expect(last.kind === 'event' && last.packets).toHaveLength(3);
  });

  it('sender emits the event at one timestamp with new sequence numbers, then audio resumes on time', () => {
    const s = new RtpSender({
      codec: 'PCMU',
      payloadType: 0,
      dtmfPayloadType: 101,
      ssrc: 42,
      initialSequence: 65533,
      initialTimestamp: 8000,
    });
    const packets = s.tick(0, undefined).map((b) => parseRtp(b));
    expect(s.queueDtmf('9', { toneMs: 60, gapMs: 20 })).toBe(true);
    for (let t = 1; t <= 4; t++) {
      const pcm = s.wantsAudio() ? new Int16Array(160) : undefined;
      packets.push(...s.tick(t, pcm).map((b) => parseRtp(b)));
    }
    const dtmf = packets.filter((p) => p.payloadType === 101);
    expect(dtmf).toHaveLength(5); // 2 progress packets + 3 end packets
    expect(new Set(dtmf.map((p) => p.timestamp))).toEqual(new Set([8160]));
    expect(dtmf.map((p) => parseDtmfPayload(p.payload)!.duration)).toEqual([160, 320, 480, 480, 480]);
    expect(dtmf.map((p) => parseDtmfPayload(p.payload)!.end)).toEqual([false, false, true, true, true]);
    expect(dtmf.map((p) => p.marker)).toEqual([true, false, false, false, false]);
    expect(packets.map((p) => p.sequence)).toEqual([65533, 65534, 65535, 0, 1, 2, 3]);
    const after = packets[packets.length - 1]!;
    expect(after.payloadType).toBe(0);
    expect(after.timestamp).toBe(8000 + 4 * 160);
    expect(dtmf.every((p) => p.ssrc === 42)).toBe(true);
  });

  it('refuses DTMF when telephone-event was not negotiated', () => {
    const s = new RtpSender({ codec: 'PCMA', payloadType: 8 });
    expect(s.queueDtmf('1')).toBe(false);
  });
});
