import { describe, expect, it } from 'vitest';
import { parseRtp, RtpParseError, serializeRtp, seqDelta } from './rtp-packet.js';

describe('RTP packet codec', () => {
  it('parses a hand-built RFC 3550 header byte by byte', () => {
    // V=2 P=0 X=0 CC=0 | M=1 PT=0 | seq 0x1234 | ts 0xdeadbeef | ssrc 0x01020304 | payload ff ff
    const buf = Uint8Array.of(0x80, 0x80, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 0xff, 0xfe);
    const p = parseRtp(buf);
    expect(p).toMatchObject({
      payloadType: 0,
      marker: true,
      sequence: 0x1234,
      timestamp: 0xdeadbeef,
      ssrc: 0x01020304,
    });
    expect([...p.payload]).toEqual([0xff, 0xfe]);
  });

  it('round-trips CSRCs, a header extension and padding', () => {
    const ext = { profile: 0xbede, data: Uint8Array.of(0x10, 0xaa, 0, 0) };
    const buf = serializeRtp(
      {
        payloadType: 101,
        sequence: 65535,
        timestamp: 4294967295,
        ssrc: 7,
        marker: false,
        csrcs: [9, 10],
        extension: ext,
        paddingBytes: 4,
      },
      Uint8Array.of(1, 2, 3),
    );
    expect(buf[0]).toBe(0x80 | 0x20 | 0x10 | 2);
    expect(buf.length).toBe(12 + 8 + 8 + 3 + 4);
    const p = parseRtp(buf);
    expect(p.csrcs).toEqual([9, 10]);
    expect(p.extension?.profile).toBe(0xbede);
    expect([...p.extension!.data]).toEqual([0x10, 0xaa, 0, 0]);
    expect([...p.payload]).toEqual([1, 2, 3]);
    expect(p.paddingBytes).toBe(4);
    expect(p).toMatchObject({ payloadType: 101, sequence: 65535, timestamp: 4294967295, ssrc: 7 });
  });

  it.each([
    ['too short', Uint8Array.of(0x80, 0, 0)],
    ['version 1', new Uint8Array(12).fill(0x40, 0, 1)],
    ['CSRC list truncated', Uint8Array.of(0x83, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2)],
    ['extension truncated', Uint8Array.of(0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xbe, 0xde, 0, 5)],
    ['padding longer than packet', Uint8Array.of(0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 200)],
  ])('rejects %s', (_n, buf) => {
    expect(() => parseRtp(buf)).toThrow(RtpParseError);
  });

  it('computes sequence distance across the 16-bit wrap', () => {
    expect(seqDelta(65535, 0)).toBe(1);
    expect(seqDelta(0, 65535)).toBe(-1);
    expect(seqDelta(100, 90)).toBe(-10);
  });
});
