import { describe, expect, it } from 'vitest';
import { decodeG711 } from '../../../audio/g711.js';
import { parseRtp } from './rtp-packet.js';
import { RtpSender } from './rtp-sender.js';

const tone = () => Int16Array.from({ length: 160 }, (_, i) => Math.round(8000 * Math.sin(i / 3)));

describe('RTP sender', () => {
  it('timestamps follow the tick number (continuous across silence and skipped ticks), seq +1 per packet', () => {
    const s = new RtpSender({
      codec: 'PCMU',
      payloadType: 0,
      ssrc: 1,
      initialSequence: 10,
      initialTimestamp: 4294967000,
    });
    const p = [0, 1, 2, 6].map((t) => parseRtp(s.tick(t, t === 2 ? tone() : undefined)[0]!));
    expect(p.map((x) => x.sequence)).toEqual([10, 11, 12, 13]);
    expect(p.map((x) => x.timestamp)).toEqual([
      4294967000,
      4294967160,
      4294967320 - 4294967296,
      (4294967000 + 960) % 4294967296,
    ]);
  });

  it('marker on the first packet and at each talkspurt start only; silence is encoded zeros', () => {
    const s = new RtpSender({ codec: 'PCMA', payloadType: 8, ssrc: 1 });
    const frames = [undefined, undefined, tone(), tone(), undefined, tone()];
    const p = frames.map((f, t) => parseRtp(s.tick(t, f)[0]!));
    expect(p.map((x) => x.marker)).toEqual([true, false, true, false, false, true]);
    expect(decodeG711('PCMA', p[1]!.payload).every((v) => Math.abs(v) <= 8)).toBe(true);
    expect(p[1]!.payload.length).toBe(160);
    expect(p.every((x) => x.ssrc === 1 && x.payloadType === 8)).toBe(true);
    expect(s.packets).toBe(6);
    expect(s.bytes).toBe(6 * 160);
  });

  it('setFormat (re-INVITE codec change) keeps sequence, SSRC and timestamp continuous', () => {
    const s = new RtpSender({
      codec: 'PCMU',
      payloadType: 0,
      ssrc: 5,
      initialSequence: 0,
      initialTimestamp: 0,
    });
    s.tick(0, undefined);
    s.setFormat({ codec: 'PCMA', payloadType: 8 });
    const p = parseRtp(s.tick(1, undefined)[0]!);
    expect(p).toMatchObject({ payloadType: 8, sequence: 1, timestamp: 160, ssrc: 5 });
    expect(p.payload[0]).toBe(0xd5);
  });

  it.each([
    // ptime, packets per 6 ticks (120 ms), payload bytes each
    [10, 12, 80],
    [30, 4, 240],
    [40, 3, 320],
    [60, 2, 480],
  ])(
    'ptime %i ms: the 20 ms ticks are re-chunked into %i packets of %i bytes, timestamps contiguous',
    (ptimeMs, count, bytes) => {
      const s = new RtpSender({
        codec: 'PCMU',
        payloadType: 0,
        ssrc: 1,
        initialSequence: 100,
        initialTimestamp: 0,
        ptimeMs,
      });
      const frames = [undefined, tone(), tone(), tone(), tone(), tone()];
      const p = frames.flatMap((f, t) => s.tick(t, f)).map((b) => parseRtp(b));
      expect(p).toHaveLength(count);
      expect(p.every((x) => x.payload.length === bytes)).toBe(true);
      expect(p.map((x) => x.timestamp)).toEqual(p.map((_, i) => i * bytes));
      expect(p.map((x) => x.sequence)).toEqual(p.map((_, i) => 100 + i));
      expect(p[0]!.marker).toBe(true); // the first packet
      // the talkspurt starts at tick 1 (sample 160): the packet holding that sample carries the marker
      expect(p.filter((x) => x.marker).map((x) => x.timestamp)).toEqual(bytes > 160 ? [0] : [0, 160]);
      expect(s.bytes).toBe(count * bytes);
    },
  );

  it('ptime 30 ms: a skipped tick or a digit sends what waits as a short packet, never mistimed', () => {
    const s = new RtpSender({
      codec: 'PCMU',
      payloadType: 0,
      dtmfPayloadType: 101,
      ssrc: 1,
      initialTimestamp: 0,
      ptimeMs: 30,
    });
    expect(s.tick(0, undefined)).toHaveLength(0); // 160 of 240 wait
    const afterGap = s.tick(5, undefined).map((b) => parseRtp(b)); // ticks 1–4 never ran (loop stall)
    expect(afterGap.map((x) => [x.timestamp, x.payload.length])).toEqual([[0, 160]]);
    s.queueDtmf('5');
    const dtmf = s.tick(6, undefined).map((b) => parseRtp(b));
    expect(dtmf.map((x) => [x.payloadType, x.timestamp])).toEqual([
      [0, 800], // the 160 samples of tick 5, flushed before the digit
      [101, 960],
    ]);
  });
});
