import { describe, expect, it } from 'vitest';
import { parseMessage, serializeMessage } from './codec.js';
import { SipHeaders, splitList } from './headers.js';
import { buildResponse, parseCSeq, topVia, type SipRequest } from './message.js';
import { SipStreamFramer } from './stream-framer.js';
import { parseNameAddr, parseUri } from '../../calls/sip-uri.js';
import { parseVia, responseTarget, stampVia } from './via.js';

const INVITE = [
  'INVITE sip:+15551230000@gw.example.com;user=phone SIP/2.0',
  'v: SIP/2.0/UDP 10.0.0.1:5070;branch=z9hG4bKabc;rport',
  'Via: SIP/2.0/TCP proxy.example.com;branch=z9hG4bKdef, SIP/2.0/UDP 10.9.9.9:5060;branch=z9hG4bKghi',
  'f: "Alice, A." <sip:alice@example.com>;tag=1928',
  'TO: <sip:+15551230000@gw.example.com>',
  'i: a84b4c76e66710',
  'CSeq: 314159 INVITE',
  'm: <sip:alice@10.0.0.1:5070>',
  'Supported: replaces,',
  ' timer',
  'c: application/sdp',
  'l: 4',
  '',
  'v=0\r\nEXTRA',
].join('\r\n');

describe('SIP codec', () => {
  it('parses compact forms, case-insensitive names, folded lines and multi-value headers', () => {
    const r = parseMessage(INVITE);
    expect(r.ok).toBe(true);
    if (!r.ok || r.message.kind !== 'request') return;
    const m = r.message;
    expect(m.method).toBe('INVITE');
    expect(m.headers.get('Call-ID')).toBe('a84b4c76e66710');
    expect(m.headers.getAll('via')).toHaveLength(3);
    expect(topVia(m)).toEqual({
      transport: 'UDP',
      host: '10.0.0.1',
      port: 5070,
      params: { branch: 'z9hG4bKabc', rport: '' },
    });
    expect(m.headers.getAll('supported')).toEqual(['replaces', 'timer']);
    expect(m.headers.get('to')).toBe('<sip:+15551230000@gw.example.com>');
    expect(parseNameAddr(m.headers.get('from')!)).toMatchObject({
      displayName: 'Alice, A.',
      params: { tag: '1928' },
    });
    expect(m.headers.getAll('from')).toHaveLength(1); // a comma in a quoted display name is not a list separator
    expect(m.body).toBe('v=0\r'); // Content-Length frames the body; trailing datagram bytes ignored
    expect(parseCSeq(m.headers.get('cseq'))).toEqual({ seq: 314159, method: 'INVITE' });
  });

  it('serialises with canonical names and a recomputed Content-Length, and re-parses to the same message', () => {
    const r = parseMessage(INVITE);
    if (!r.ok) throw new Error('parse');
    const text = serializeMessage(r.message).toString();
    expect(text).toMatch(/^Call-ID: a84b4c76e66710$/m);
    expect(text).toMatch(/^CSeq: 314159 INVITE$/m);
    expect(text).toMatch(/^Content-Length: 4$/m);
    const again = parseMessage(text);
    expect(again.ok && again.message.headers.entries()).toEqual(
      r.message.headers
        .entries()
        .filter(([n]) => n !== 'content-length')
        .concat([['content-length', '4']]),
    );
  });

  it('builds a response: Vias, From, To (+tag), Call-ID, CSeq copied', () => {
    const r = parseMessage(INVITE);
    if (!r.ok || r.message.kind !== 'request') throw new Error('parse');
    const res = buildResponse(r.message, 486, { toTag: 'xyz' });
    expect(res.headers.getAll('via')).toHaveLength(3);
    expect(res.headers.get('to')).toBe('<sip:+15551230000@gw.example.com>;tag=xyz');
    expect(buildResponse(r.message, 100, { toTag: 'xyz' }).headers.get('to')).not.toMatch(/tag=/);
  });

  it('rejects malformed input with a code, keeping the request when a 400 can be formed', () => {
    expect(parseMessage('garbage\r\n\r\n')).toMatchObject({ ok: false, code: 'start-line' });
    expect(parseMessage('\r\n\r\n')).toMatchObject({ ok: false, code: 'empty' });
    const noCallId = INVITE.replace('i: a84b4c76e66710\r\n', '');
    const r1 = parseMessage(noCallId);
    expect(r1).toMatchObject({ ok: false, code: 'missing-header' });
    expect(!r1.ok && r1.request).toBeUndefined();
    const badCl = parseMessage(INVITE.replace('l: 4', 'l: 40'));
    expect(badCl).toMatchObject({ ok: false, code: 'content-length' });
    expect(!badCl.ok && badCl.request?.method).toBe('INVITE');
    expect(parseMessage(INVITE, 100)).toMatchObject({ ok: false, code: 'too-large' });
    expect(parseMessage(INVITE.replace('CSeq: 314159 INVITE', 'CSeq: 314159 BYE'))).toMatchObject({
      ok: false,
      code: 'header',
    });
  });

  it('parses responses', () => {
    const r = parseMessage(
      'SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n\r\n',
    );
    expect(r.ok && r.message.kind === 'response' && r.message.status).toBe(180);
  });
});

describe('Via, rport and received (RFC 3581)', () => {
  it('stamps received and rport, and routes the response to them', () => {
    const v = parseVia('SIP/2.0/UDP 192.168.1.10:5060;branch=z9hG4bK1;rport')!;
    const stamped = stampVia(v, '203.0.113.7', 40123);
    expect(stamped.params).toEqual({ branch: 'z9hG4bK1', rport: '40123', received: '203.0.113.7' });
    expect(responseTarget(stamped)).toEqual({ address: '203.0.113.7', port: 40123 });
  });
  it('without rport: received only when the host differs, port from sent-by', () => {
    const v = parseVia('SIP/2.0/UDP 192.168.1.10:5080;branch=z9hG4bK1')!;
    expect(responseTarget(stampVia(v, '203.0.113.7', 40123))).toEqual({ address: '203.0.113.7', port: 5080 });
    expect(
      stampVia(parseVia('SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1')!, '10.0.0.1', 5060).params.received,
    ).toBeUndefined();
  });
});

describe('URIs and lists', () => {
  it('parses SIP and tel URIs with params', () => {
    expect(parseUri('sip:7000@127.0.0.1:5060;transport=tcp;sbreg=r0')).toEqual({
      scheme: 'sip',
      user: '7000',
      host: '127.0.0.1',
      port: 5060,
      params: { transport: 'tcp', sbreg: 'r0' },
    });
    expect(parseUri('sip:[::1]:5070')).toMatchObject({ host: '[::1]', port: 5070 });
    expect(parseUri('tel:+15551230000')).toMatchObject({ scheme: 'tel', user: '+15551230000' });
    expect(parseUri('http://x')).toBeUndefined();
    expect(parseUri('sip:a@b:99999')).toBeUndefined();
  });
  it('splits lists outside quotes and angle brackets', () => {
    expect(splitList('<sip:a@b;x=1,2>;q=1, "c,d" <sip:e@f>')).toEqual([
      '<sip:a@b;x=1,2>;q=1',
      '"c,d" <sip:e@f>',
    ]);
  });
  it('header set keeps position; replaceAll keeps the first position', () => {
    const h = new SipHeaders([
      ['Via', 'a'],
      ['From', 'f'],
      ['Via', 'b'],
    ]);
    h.replaceAll('via', ['x', 'y']);
    expect(h.entries()).toEqual([
      ['via', 'x'],
      ['via', 'y'],
      ['from', 'f'],
    ]);
  });
});

describe('TCP stream framing by Content-Length', () => {
  const msg = (body: string) =>
    `OPTIONS sip:x SIP/2.0\r\nCall-ID: 1\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
  it('handles partial, coalesced and keep-alive input', () => {
    const f = new SipStreamFramer(1000);
    const two = Buffer.from('\r\n\r\n' + msg('abc') + msg(''));
    expect(f.push(two.subarray(0, 20)).frames).toHaveLength(0);
    const out = f.push(two.subarray(20));
    expect(out.frames.map((b) => b.toString())).toEqual([msg('abc'), msg('')]);
  });
  it('treats a missing Content-Length or an oversize frame as an unusable stream', () => {
    expect(
      new SipStreamFramer(1000).push(Buffer.from('OPTIONS sip:x SIP/2.0\r\nCall-ID: 1\r\n\r\n')).error,
    ).toBe('no-content-length');
    expect(new SipStreamFramer(50).push(Buffer.from(msg('x'.repeat(100)))).error).toBe('too-large');
    expect(new SipStreamFramer(50).push(Buffer.alloc(60, 65)).error).toBe('too-large');
  });
  it('accepts the compact l: form', () => {
    const f = new SipStreamFramer(1000);
    expect(f.push(Buffer.from('OPTIONS sip:x SIP/2.0\r\nl: 2\r\n\r\nhi')).frames).toHaveLength(1);
  });
});

export type { SipRequest };
