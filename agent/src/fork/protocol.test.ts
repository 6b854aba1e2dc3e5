import { describe, expect, it } from 'vitest';
import {
  checkAudioFrame,
  CloseCode,
  decodeCommand,
  decodeInbound,
  decodeMetadata,
  encodeAudioOut,
  encodeCommand,
  encodeInbound,
  encodeMetadata,
  ForkProtocolError,
  MAX_FRAME_BYTES,
} from './protocol.js';

function protocolError(fn: () => unknown): ForkProtocolError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ForkProtocolError) return err;
    throw err;
  }
  throw new Error('expected a ForkProtocolError');
}

describe('fork protocol: metadata', () => {
  it('decodes our own metadata', () => {
    const meta = decodeMetadata(
      '{"callId":"abc","from":"+15550001111","to":"7000","sampleRate":16000,"playbackSampleRate":8000,"codec":"PCMU","source":"embedded","x-extra":1}',
    );
    expect(meta).toEqual({
      callId: 'abc',
      from: '+15550001111',
      to: '7000',
      sampleRate: 16000,
      playbackSampleRate: 8000,
      codec: 'PCMU',
      source: 'embedded',
      extra: { 'x-extra': 1 },
    });
  });

  it('accepts jambonz-style field names and defaults the rates to 8 kHz', () => {
    const meta = decodeMetadata('{"callSid":"CA1","from":"a","to":"b"}');
    expect(meta.callId).toBe('CA1');
    expect(meta.sampleRate).toBe(8000);
    expect(meta.playbackSampleRate).toBe(8000);
    expect(decodeMetadata('{"uuid":"u1","sample_rate":"16000"}').sampleRate).toBe(16000);
  });

  it('round-trips through encodeMetadata', () => {
    const text = encodeMetadata({
      callId: 'c',
      from: 'f',
      to: 't',
      sampleRate: 8000,
      playbackSampleRate: 16000,
      extra: { trunk: 'carrier' },
    });
    expect(decodeMetadata(text)).toMatchObject({
      callId: 'c',
      playbackSampleRate: 16000,
      extra: { trunk: 'carrier' },
    });
  });

  it.each([
    ['not json', 'hello', CloseCode.invalidPayload],
    ['an array', '[1,2]', CloseCode.invalidPayload],
    ['no call id', '{"from":"a"}', CloseCode.policyViolation],
    ['an unsupported capture rate', '{"callId":"a","sampleRate":44100}', CloseCode.policyViolation],
    ['an unsupported playback rate', '{"callId":"a","playbackSampleRate":11025}', CloseCode.policyViolation],
  ])('rejects %s', (_name, text, code) => {
    expect(protocolError(() => decodeMetadata(text)).closeCode).toBe(code);
  });
});

describe('fork protocol: inbound messages', () => {
  it('decodes mark events exactly as mod_audio_fork sends them', () => {
    expect(decodeInbound('{"type":"mark","data":{"name":"r1-2","event":"playout"}}')).toEqual({
      type: 'mark',
      name: 'r1-2',
      event: 'playout',
    });
    expect(decodeInbound('{"type":"mark","data":{"name":"x","event":"cleared"}}')).toMatchObject({
      event: 'cleared',
    });
  });

  it('decodes dtmf, hangup and transfer results', () => {
    expect(decodeInbound('{"type":"dtmf","data":{"digit":"#","duration":160}}')).toEqual({
      type: 'dtmf',
      digit: '#',
      durationMs: 160,
    });
    expect(decodeInbound('{"type":"hangup","data":{"reason":"bye"}}')).toEqual({
      type: 'hangup',
      reason: 'bye',
    });
    expect(decodeInbound('{"type":"transferResult","data":{"status":486}}')).toEqual({
      type: 'transferResult',
      ok: false,
      status: 486,
    });
    expect(decodeInbound(encodeInbound({ type: 'transferResult', ok: true, status: 200 }))).toMatchObject({
      ok: true,
    });
  });

  it.each([
    ['bad JSON', '{"type":', CloseCode.invalidPayload],
    ['an unknown type', '{"type":"launchMissiles"}', CloseCode.policyViolation],
    ['a mark without a name', '{"type":"mark","data":{"event":"playout"}}', CloseCode.invalidPayload],
    ['a bad digit', '{"type":"dtmf","data":{"digit":"55"}}', CloseCode.invalidPayload],
  ])('rejects %s', (_name, text, code) => {
    expect(protocolError(() => decodeInbound(text)).closeCode).toBe(code);
  });
});

describe('fork protocol: commands', () => {
  it('encodes commands in the {type, data} shape the module parses', () => {
    expect(encodeCommand({ type: 'killAudio' })).toBe('{"type":"killAudio"}');
    expect(encodeCommand({ type: 'mark', name: 'm1' })).toBe('{"type":"mark","data":{"name":"m1"}}');
    expect(encodeCommand({ type: 'clearMarks' })).toBe('{"type":"clearMarks"}');
    expect(encodeCommand({ type: 'transfer', target: 'sip:sales@pbx' })).toBe(
      '{"type":"transfer","data":{"target":"sip:sales@pbx"}}',
    );
    expect(encodeCommand({ type: 'disconnect', reason: 'done' })).toBe(
      '{"type":"disconnect","data":{"reason":"done"}}',
    );
    expect(encodeCommand({ type: 'json', data: { action: 'sendDtmf', digits: '12' } })).toBe(
      '{"type":"json","data":{"action":"sendDtmf","digits":"12"}}',
    );
  });

  it('decodes what it encodes', () => {
    for (const cmd of [
      { type: 'killAudio' },
      { type: 'mark', name: 'a' },
      { type: 'transfer', target: 'sip:x@y' },
      { type: 'disconnect' },
      { type: 'json', data: { action: 'sendDtmf', digits: '9' } },
    ] as const) {
      expect(decodeCommand(encodeCommand(cmd))).toEqual(cmd);
    }
  });
});

describe('fork protocol: audio frames', () => {
  it('accepts frames of any even size and treats an empty frame as shutdown', () => {
    expect(checkAudioFrame(new Uint8Array(320))).toEqual({ kind: 'audio' });
    expect(checkAudioFrame(new Uint8Array(642))).toEqual({ kind: 'audio' });
    expect(checkAudioFrame(new Uint8Array(0))).toEqual({ kind: 'shutdown' });
  });

  it('rejects odd byte counts and oversize frames', () => {
    expect(protocolError(() => checkAudioFrame(new Uint8Array(321))).closeCode).toBe(
      CloseCode.invalidPayload,
    );
    expect(protocolError(() => checkAudioFrame(new Uint8Array(MAX_FRAME_BYTES + 2))).closeCode).toBe(
      CloseCode.tooBig,
    );
  });

  it('writes little-endian PCM and replaces -1 samples (mark sentinels) with 0', () => {
    const out = encodeAudioOut(Int16Array.from([1, -1, -2, 32767, -32768]));
    expect([...out]).toEqual([1, 0, 0, 0, 0xfe, 0xff, 0xff, 0x7f, 0x00, 0x80]);
  });
});
