import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { answeredAudio, isWebRtcOffer, mediaKindForOffer } from './webrtc-offer.js';

const chromium = readFileSync(new URL('../media/testdata/sdp/chromium-webrtc.sdp', import.meta.url), 'utf8');
const baresip = readFileSync(new URL('../media/testdata/sdp/baresip.sdp', import.meta.url), 'utf8');

describe('webrtc offer detection', () => {
  it('tells a Chromium WebRTC offer from a plain RTP one', () => {
    expect(isWebRtcOffer(chromium)).toBe(true);
    expect(mediaKindForOffer(chromium)).toBe('webrtc');
    expect(isWebRtcOffer(baresip)).toBe(false);
    expect(mediaKindForOffer('v=0\r\nm=audio 4000 RTP/SAVP 0\r\n')).toBe('rtp');
  });

  it('reads the chosen codec and telephone-event from an answer', () => {
    const answer =
      'v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n';
    expect(answeredAudio(answer)).toEqual({ codec: 'PCMA', payloadType: 8, dtmfPayloadType: 101 });
    const chromiumAnswer =
      'v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0 8 110 126\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n' +
      'a=rtpmap:110 telephone-event/48000\r\na=rtpmap:126 telephone-event/8000\r\n';
    expect(answeredAudio(chromiumAnswer)).toEqual({ codec: 'PCMU', payloadType: 0, dtmfPayloadType: 126 });
    expect(
      answeredAudio('v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n'),
    ).toBeUndefined();
  });
});
