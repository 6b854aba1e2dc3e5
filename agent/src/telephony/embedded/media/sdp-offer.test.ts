import { describe, expect, it } from 'vitest';
import { createOffer, readAnswer } from './sdp-offer.js';

const local = { address: '198.51.100.10', port: 20_000, sessionId: '42', sessionVersion: 1 };
const answer = (m: string, extra: string[] = []) =>
  ['v=0', 'o=- 1 1 IN IP4 203.0.113.5', 's=-', 'c=IN IP4 203.0.113.5', 't=0 0', m, ...extra, ''].join('\r\n');

describe('our offer (delayed offer) and the answer to it', () => {
  it('offers G.711 in our order, telephone-event, 20 ms, sendrecv, at our address and port', () => {
    const offer = createOffer({ ...local, codecs: ['PCMA', 'PCMU'] });
    expect(offer).toMatch(/^o=- 42 1 IN IP4 198\.51\.100\.10\r$/m);
    expect(offer).toMatch(/^c=IN IP4 198\.51\.100\.10\r$/m);
    expect(offer).toMatch(/^m=audio 20000 RTP\/AVP 8 0 101\r$/m);
    expect(offer).toMatch(/^a=rtpmap:101 telephone-event\/8000\r$/m);
    expect(offer).toMatch(/^a=ptime:20\r$/m);
    expect(offer).toMatch(/^a=sendrecv\r$/m);
  });

  it('the answer decides the codec, the peer address and the DTMF payload type', () => {
    const res = readAnswer(
      answer('m=audio 30000 RTP/AVP 8 101', ['a=rtpmap:8 PCMA/8000', 'a=rtpmap:101 telephone-event/8000']),
      local,
    );
    expect(res).toMatchObject({
      ok: true,
      audio: {
        codec: 'PCMA',
        payloadType: 8,
        dtmfPayloadType: 101,
        remoteAddress: '203.0.113.5',
        remotePort: 30000,
      },
    });
  });

  it('an answer that puts us on hold (sendonly) means we receive only', () => {
    const res = readAnswer(answer('m=audio 30000 RTP/AVP 0', ['a=sendonly']), local);
    expect(res).toMatchObject({ ok: true, audio: { direction: 'recvonly', send: false, receive: true } });
  });

  it('a refused stream (port 0), a codec we did not offer, or no SDP at all: refused', () => {
    expect(readAnswer(answer('m=audio 0 RTP/AVP 0'), local)).toMatchObject({ ok: false, status: 488 });
    expect(readAnswer(answer('m=audio 30000 RTP/AVP 8'), { ...local, codecs: ['PCMU'] })).toMatchObject({
      ok: false,
      status: 488,
    });
    expect(readAnswer('hello', local)).toMatchObject({ ok: false, status: 400 });
  });
});
