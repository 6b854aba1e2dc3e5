import { describe, expect, it } from 'vitest';
import {
  looksLikeRtcp,
  ntpFromUnixMs,
  ntpMiddle,
  parseRtcp,
  RtcpParseError,
  serializeBye,
  serializeReport,
  serializeSdes,
  type ReportBlock,
} from './rtcp-packet.js';

const block: ReportBlock = {
  ssrc: 0x11223344,
  fractionLost: 64, // 25 %
  cumulativeLost: 3,
  highestSeq: 0x0001_0005, // one wrap, seq 5
  jitter: 40,
  lsr: 0xaabbccdd,
  dlsr: 0x00018000, // 1.5 s
};

const hex = (b: Buffer) => b.toString('hex');

describe('RTCP packet layout (RFC 3550 §6.4–6.6)', () => {
  it('SR: V=2 RC=1 PT=200 length 12 words, sender info, then one 24-byte report block', () => {
    const sr = serializeReport(
      0x01020304,
      { ntpSec: 0xe1000000, ntpFrac: 0x80000000, rtpTimestamp: 160, packets: 50, octets: 8000 },
      [block],
    );
    expect(hex(sr)).toBe(
      [
        '81c8000c', // V=2, P=0, RC=1 | PT=200 | length = 52/4 − 1 = 12
        '01020304', // SSRC of sender
        'e1000000', // NTP timestamp, most significant word
        '80000000', // NTP timestamp, least significant word
        '000000a0', // RTP timestamp
        '00000032', // sender's packet count
        '00001f40', // sender's octet count
        '11223344', // SSRC_1
        '40000003', // fraction lost | cumulative number of packets lost (24 bits)
        '00010005', // extended highest sequence number received
        '00000028', // interarrival jitter
        'aabbccdd', // last SR (LSR)
        '00018000', // delay since last SR (DLSR)
      ].join(''),
    );
  });

  it('RR: PT=201 with no sender info; an empty RR is 8 bytes (RC=0, length 1)', () => {
    expect(hex(serializeReport(0x01020304, undefined, []))).toBe('80c9000101020304');
    const rr = serializeReport(0x01020304, undefined, [{ ...block, cumulativeLost: -1 }]);
    expect(rr.length).toBe(32);
    expect(hex(rr.subarray(0, 4))).toBe('81c90007');
    expect(hex(rr.subarray(12, 16))).toBe('40ffffff'); // negative cumulative loss (duplicates), two's complement
  });

  it('SDES: one chunk, CNAME item, END and padding to 32 bits', () => {
    // 4 header + 4 SSRC + 1 type + 1 length + 2 "ab" + END (1) → 13, padded to 16.
    expect(hex(serializeSdes(0x01020304, 'ab'))).toBe('81ca0003' + '01020304' + '01026162' + '00000000');
  });

  it('BYE: SC=1 PT=203, with the reason as a length-prefixed string padded to 32 bits', () => {
    expect(hex(serializeBye(0x01020304))).toBe('81cb000101020304');
    expect(hex(serializeBye(0x01020304, 'bye'))).toBe('81cb0002' + '01020304' + '03627965');
  });

  it('parses a compound packet back (SR, SDES, BYE)', () => {
    const sender = { ntpSec: 1, ntpFrac: 2, rtpTimestamp: 3, packets: 4, octets: 5 };
    const compound = Buffer.concat([
      serializeReport(7, sender, [block]),
      serializeSdes(7, 'switchboard@host'),
      serializeBye(7, 'hangup'),
    ]);
    expect(parseRtcp(compound)).toEqual([
      { type: 'sr', ssrc: 7, sender, reports: [block] },
      { type: 'sdes', chunks: [{ ssrc: 7, cname: 'switchboard@host' }] },
      { type: 'bye', ssrcs: [7], reason: 'hangup' },
    ]);
    expect(looksLikeRtcp(compound)).toBe(true);
  });

  it('refuses what fails RFC 3550 A.2: not starting with SR/RR, bad length, not version 2', () => {
    expect(() => parseRtcp(serializeSdes(7, 'x'))).toThrow(RtcpParseError);
    const rr = serializeReport(7, undefined, [block]);
    expect(() => parseRtcp(rr.subarray(0, 20))).toThrow(RtcpParseError);
    const v1 = Buffer.from(rr);
    v1[0] = 0x41;
    expect(() => parseRtcp(v1)).toThrow(RtcpParseError);
    // An RTP packet with payload type 0 is not RTCP on a muxed port.
    expect(looksLikeRtcp(Buffer.from('8000000100000000deadbeef', 'hex'))).toBe(false);
  });

  it('NTP time: Unix epoch is 2208988800 s after 1900; the middle 32 bits count 1/65536 s', () => {
    expect(ntpFromUnixMs(0)).toEqual({ ntpSec: 2208988800, ntpFrac: 0 });
    expect(ntpFromUnixMs(1500)).toEqual({ ntpSec: 2208988801, ntpFrac: 0x80000000 });
    expect(ntpMiddle(0x12345678, 0x9abcdef0)).toBe(0x56789abc);
  });
});
