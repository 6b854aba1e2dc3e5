import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSdp } from './sdp.js';
import { answerOffer, choosePtime, type LocalSdpParams } from './sdp-answer.js';

const fixture = (name: string): string =>
  readFileSync(join(import.meta.dirname, 'testdata/sdp', name), 'utf8');
const local: LocalSdpParams = { address: '198.51.100.20', port: 22000, sessionId: '99', sessionVersion: 1 };

function answer(name: string, params: Partial<LocalSdpParams> = {}) {
  const res = answerOffer(fixture(name), { ...local, ...params });
  if (!res.ok) throw new Error(`expected an answer, got ${res.status} ${res.reason}`);
  return { ...res, parsed: parseSdp(res.answer) };
}

describe('SDP offer/answer fixtures', () => {
  it('sipp uac (PCMU only, no telephone-event)', () => {
    const { answer: text, audio, parsed } = answer('sipp-uac.sdp');
    expect(audio).toMatchObject({
      codec: 'PCMU',
      payloadType: 0,
      remoteAddress: '127.0.0.1',
      remotePort: 6000,
    });
    expect(audio.dtmfPayloadType).toBeUndefined();
    expect(text).toBe(
      'v=0\r\no=- 99 1 IN IP4 198.51.100.20\r\ns=switchboard\r\nc=IN IP4 198.51.100.20\r\nt=0 0\r\n' +
        'm=audio 22000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\na=sendrecv\r\n',
    );
    expect(parsed.media).toHaveLength(1);
  });

  it('sipp uac_pcap (PCMA + telephone-event 101): echoes the offerer PT and fmtp 0-16', () => {
    const { audio, parsed } = answer('sipp-uac-pcap.sdp');
    expect(audio).toMatchObject({
      codec: 'PCMA',
      payloadType: 8,
      dtmfPayloadType: 101,
      send: true,
      receive: true,
    });
    expect(parsed.media[0]!.formats).toEqual(['8', '101']);
    expect(parsed.media[0]!.attributes).toContainEqual({ name: 'fmtp', value: '101 0-16' });
    expect(parsed.media[0]!.attributes).toContainEqual({ name: 'rtpmap', value: '101 telephone-event/8000' });
  });

  it('baresip (opus first): picks PCMU, the first G.711 in the offerer order', () => {
    const { audio } = answer('baresip.sdp');
    expect(audio).toMatchObject({
      codec: 'PCMU',
      payloadType: 0,
      dtmfPayloadType: 101,
      remotePort: 10382,
      remotePtimeMs: 20,
    });
  });

  it('linphone: chooses telephone-event/8000 (100), not the 48 kHz one; refuses video with port 0', () => {
    const { audio, parsed } = answer('linphone.sdp');
    expect(audio).toMatchObject({ codec: 'PCMU', dtmfPayloadType: 100, remoteAddress: '10.0.0.5' });
    expect(parsed.media).toHaveLength(2);
    expect(parsed.media[1]).toMatchObject({ type: 'video', port: 0, proto: 'RTP/AVP' });
  });

  it('a PBX offering nine codecs: PCMA comes before PCMU in its order', () => {
    const { audio, parsed } = answer('asterisk-many-codecs.sdp');
    expect(audio).toMatchObject({ codec: 'PCMA', payloadType: 8, dtmfPayloadType: 101 });
    expect(parsed.media[1]).toMatchObject({ type: 'video', port: 0 });
  });

  it('honours a restricted codec list', () => {
    const { audio } = answer('asterisk-many-codecs.sdp', { codecs: ['PCMU'] });
    expect(audio.codec).toBe('PCMU');
    const res = answerOffer(fixture('sipp-uac.sdp'), { ...local, codecs: ['PCMA'] });
    expect(res).toMatchObject({ ok: false, status: 488 });
  });

  it('hold: sendonly offer → recvonly answer, we do not send', () => {
    const { audio, parsed } = answer('freeswitch-hold.sdp');
    expect(audio).toMatchObject({ direction: 'recvonly', send: false, receive: true });
    expect(parsed.media[0]!.attributes).toContainEqual({ name: 'recvonly' });
  });

  it('old-style hold with c=0.0.0.0: we answer recvonly and never send to 0.0.0.0', () => {
    const { audio } = answer('old-hold-zero-address.sdp');
    expect(audio).toMatchObject({ direction: 'recvonly', send: false });
  });

  it('IPv6, media-level c=, recvonly offer → sendonly answer', () => {
    const { audio } = answer('ipv6-media-level-c.sdp', { address: '::1' });
    expect(audio).toMatchObject({ remoteAddress: '::1', direction: 'sendonly', send: true, receive: false });
    expect(audio.dtmfPayloadType).toBe(96);
    const text = answerOffer(fixture('ipv6-media-level-c.sdp'), { ...local, address: '::1' });
    expect(text.ok && text.answer).toContain('c=IN IP6 ::1');
  });

  it('inactive offer → inactive answer', () => {
    const offer = fixture('sipp-uac.sdp') + 'a=inactive\r\n';
    const res = answerOffer(offer, local);
    expect(res.ok && res.audio).toMatchObject({ direction: 'inactive', send: false, receive: false });
  });

  it.each([
    ['chromium-webrtc.sdp', /UDP\/TLS\/RTP\/SAVPF/],
    ['srtp-savp.sdp', /RTP\/SAVP/],
    ['g729-only.sdp', /no common codec/],
  ])('%s → 488', (name, reason) => {
    const res = answerOffer(fixture(name), local);
    expect(res).toMatchObject({ ok: false, status: 488 });
    expect(!res.ok && res.reason).toMatch(reason);
  });

  it('no audio at all (video only) → 488', () => {
    const res = answerOffer(
      'v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=video 5000 RTP/AVP 96\r\n',
      local,
    );
    expect(res).toMatchObject({ ok: false, status: 488 });
  });

  it.each([
    ['garbage', 'hello there'],
    ['missing o=', 'v=0\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n'],
    [
      'bad m= port',
      'v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nm=audio 99999 RTP/AVP 0\r\n',
    ],
    ['no c= anywhere', 'v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n'],
    ['empty body', ''],
  ])('unparseable (%s) → 400', (_name, body) => {
    expect(answerOffer(body, local)).toMatchObject({ ok: false, status: 400 });
  });

  it('RTCP: a=rtcp-mux offered is answered with a=rtcp-mux (RFC 5761); a=rtcp names the port (RFC 3605)', () => {
    const res = answerOffer(fixture('sipp-uac.sdp') + 'a=rtcp-mux\n', local);
    if (!res.ok) throw new Error(res.reason);
    expect(res.audio.rtcpMux).toBe(true);
    expect(parseSdp(res.answer).media[0]!.attributes.map((a) => a.name)).toContain('rtcp-mux');
    const plain = answer('sipp-uac.sdp');
    expect(plain.audio.rtcpMux).toBeUndefined();
    expect(plain.answer).not.toContain('rtcp-mux');
    expect(answer('linphone.sdp').audio.remoteRtcpPort).toBe(7079);
  });

  it('ptime: the offer a=ptime (10–60 ms in 10 ms steps) within its a=maxptime is what we send and answer', () => {
    expect([10, 20, 30, 40, 60].map((p) => choosePtime(p, NaN))).toEqual([10, 20, 30, 40, 60]);
    expect(choosePtime(NaN, NaN)).toBe(20);
    expect(choosePtime(25, NaN)).toBe(20);
    expect(choosePtime(120, NaN)).toBe(60);
    expect(choosePtime(40, 30)).toBe(30);
    expect(choosePtime(NaN, 10)).toBe(10);
    const res = answerOffer(fixture('sipp-uac.sdp') + 'a=ptime:40\na=maxptime:60\n', local);
    if (!res.ok) throw new Error(res.reason);
    expect(res.audio.ptimeMs).toBe(40);
    expect(res.answer).toMatch(/^a=ptime:40\r$/m);
    expect(answer('sipp-uac.sdp').answer).toMatch(/^a=ptime:20\r$/m);
  });

  it('parses and re-serialises an offer without losing lines that matter', () => {
    const parsed = parseSdp(fixture('linphone.sdp'));
    expect(parsed.attributes.map((a) => a.name)).toContain('ice-ufrag');
    expect(parsed.media[0]!.connection).toEqual({ netType: 'IN', addrType: 'IP4', address: '10.0.0.5' });
    expect(parsed.media[0]!.formats).toEqual(['96', '97', '98', '0', '8', '18', '101', '99', '100']);
  });
});
