import { describe, expect, it } from 'vitest';
import {
  buildRequest,
  buildResponse,
  buildSdp,
  cseqOf,
  header,
  parseSdpAudio,
  parseSip,
  tagOf,
  uriOf,
} from './sip-text.js';

const OK = [
  'SIP/2.0 200 OK',
  'v: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bKabc;rport=5062',
  'From: <sip:bench@127.0.0.1:5062>;tag=111',
  't: <sip:7000@127.0.0.1:25060>;tag=as9f',
  'i: call-1@bench',
  'CSeq: 1 INVITE',
  'Contact: "Agent" <sip:7000@127.0.0.1:25060;transport=udp>',
  'Subject: folded',
  ' continues here',
  'Content-Type: application/sdp',
  'l: 0',
  '',
  'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 24002 RTP/AVP 0 101\r\n',
].join('\r\n');

describe('SIP response parsing', () => {
  it('reads status, compact headers, folded lines, tags and contact URI', () => {
    const m = parseSip(OK)!;
    expect(m.kind).toBe('response');
    expect(m.status).toBe(200);
    expect(header(m, 'call-id')).toBe('call-1@bench');
    expect(tagOf(header(m, 'to'))).toBe('as9f');
    expect(uriOf(header(m, 'contact'))).toBe('sip:7000@127.0.0.1:25060;transport=udp');
    expect(header(m, 'subject')).toBe('folded continues here');
    expect(cseqOf(m)).toEqual({ seq: 1, method: 'INVITE' });
    expect(parseSdpAudio(m.body)).toEqual({ address: '127.0.0.1', port: 24002, payloadTypes: [0, 101] });
  });

  it('rejects garbage and bad header lines', () => {
    expect(parseSip('hello world')).toBeUndefined();
    expect(parseSip('SIP/2.0 200 OK\r\nno colon here\r\n\r\n')).toBeUndefined();
  });

  it('prefers a media-level connection address', () => {
    const sdp = 'v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 4000 RTP/AVP 8\r\nc=IN IP4 10.0.0.2\r\n';
    expect(parseSdpAudio(sdp)).toEqual({ address: '10.0.0.2', port: 4000, payloadTypes: [8] });
    expect(parseSdpAudio('v=0\r\nm=video 4000 RTP/AVP 96\r\n')).toBeUndefined();
  });
});

describe('SIP request and response building', () => {
  it('builds an INVITE that parses back with a correct Content-Length', () => {
    const sdp = buildSdp('127.0.0.1', 26000, 42);
    const text = buildRequest({
      method: 'INVITE',
      uri: 'sip:7000@127.0.0.1:25060',
      via: 'SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bKx',
      from: '<sip:bench@127.0.0.1>;tag=1',
      to: '<sip:7000@127.0.0.1:25060>',
      callId: 'c1',
      cseq: 1,
      body: { type: 'application/sdp', text: sdp },
    });
    const m = parseSip(text)!;
    expect(m.method).toBe('INVITE');
    expect(Number(header(m, 'content-length'))).toBe(Buffer.byteLength(sdp));
    expect(m.body).toBe(sdp);
    expect(parseSdpAudio(m.body)?.payloadTypes).toEqual([0, 101]);
  });

  it('answers a BYE echoing its Via, dialog headers and CSeq', () => {
    const bye = parseSip(
      'BYE sip:bench@127.0.0.1:5062 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:25060;branch=z9hG4bKq\r\nFrom: <sip:7000@x>;tag=a\r\nTo: <sip:bench@y>;tag=b\r\nCall-ID: c9\r\nCSeq: 7 BYE\r\nContent-Length: 0\r\n\r\n',
    )!;
    const r = parseSip(buildResponse(bye, 200, 'OK'))!;
    expect(r.status).toBe(200);
    expect(header(r, 'via')).toBe('SIP/2.0/UDP 127.0.0.1:25060;branch=z9hG4bKq');
    expect(cseqOf(r)).toEqual({ seq: 7, method: 'BYE' });
    expect(tagOf(header(r, 'to'))).toBe('b');
  });
});
