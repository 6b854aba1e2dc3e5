import { describe, expect, it } from 'vitest';
import { classifyRtp, MAX_AUDIO_PAYLOAD } from './rtp-filter.js';
import { serializeRtp } from './rtp-packet.js';

const FORMAT = { payloadType: 0, dtmfPayloadType: 101 };
const pkt = (payloadType: number, payload: Uint8Array, paddingBytes = 0) =>
  serializeRtp({ payloadType, sequence: 1, timestamp: 160, ssrc: 9, paddingBytes }, payload);

describe('classifyRtp: what may reach a call at all', () => {
  it('passes audio, RFC 4733 events and comfort noise of the negotiated types', () => {
    expect(classifyRtp(pkt(0, new Uint8Array(160)), FORMAT)).toMatchObject({ ok: true, kind: 'audio' });
    expect(classifyRtp(pkt(101, new Uint8Array(4)), FORMAT)).toMatchObject({ ok: true, kind: 'dtmf' });
    expect(classifyRtp(pkt(13, new Uint8Array(1)), FORMAT)).toMatchObject({ ok: true, kind: 'cn' });
  });

  it('drops the empty packet (12-byte header, no payload) that used to end calls', () => {
    expect(classifyRtp(pkt(0, new Uint8Array(0)), FORMAT)).toEqual({ ok: false, reason: 'empty' });
    // Padding only: the payload is still empty.
    expect(classifyRtp(pkt(0, new Uint8Array(0), 4), FORMAT)).toEqual({ ok: false, reason: 'empty' });
    expect(classifyRtp(pkt(101, new Uint8Array(0)), FORMAT)).toEqual({ ok: false, reason: 'empty' });
  });

  it('drops other payload types, malformed datagrams, truncated events and oversized audio', () => {
    expect(classifyRtp(pkt(8, new Uint8Array(160)), FORMAT)).toEqual({ ok: false, reason: 'payload-type' });
    expect(classifyRtp(pkt(96, new Uint8Array(160)), { payloadType: 0 })).toEqual({
      ok: false,
      reason: 'payload-type',
    });
    expect(classifyRtp(new Uint8Array(11), FORMAT)).toEqual({ ok: false, reason: 'malformed' });
    expect(classifyRtp(Buffer.from('INVITE sip:x SIP/2.0\r\n'), FORMAT)).toEqual({
      ok: false,
      reason: 'malformed',
    });
    expect(classifyRtp(pkt(101, new Uint8Array(3)), FORMAT)).toEqual({ ok: false, reason: 'malformed' });
    expect(classifyRtp(pkt(0, new Uint8Array(MAX_AUDIO_PAYLOAD + 1)), FORMAT)).toEqual({
      ok: false,
      reason: 'oversized',
    });
  });
});
