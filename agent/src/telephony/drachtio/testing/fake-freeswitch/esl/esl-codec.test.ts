import { EventEmitter } from 'node:events';
import Parser from 'drachtio-modesl/lib/esl/Parser.js';
import type esl from 'drachtio-modesl';
import { describe, expect, it } from 'vitest';
import {
  apiResponse,
  commandReply,
  disconnectNotice,
  EslCommandDecoder,
  encodeCommand,
  eventFrame,
  fsUrlEncode,
  GOODBYE,
  parsePlainEvent,
  serializePlain,
} from './esl-codec.js';
import { FsEvent } from './fs-event.js';

/** Feed bytes to drachtio-modesl's own Parser and collect what it makes of them. */
function modeslParse(...chunks: Buffer[]): Array<{ event: esl.Event; headers: Record<string, unknown> }> {
  const socket = new EventEmitter();
  const parser = new Parser(socket);
  const out: Array<{ event: esl.Event; headers: Record<string, unknown> }> = [];
  parser.on('esl::event', (event: esl.Event, headers: Record<string, unknown>) =>
    out.push({ event, headers }),
  );
  for (const c of chunks) socket.emit('data', c);
  return out;
}

function sample(): FsEvent {
  const e = new FsEvent('CUSTOM', 'mod_audio_fork::transfer');
  e.add('Event-Name', 'CUSTOM');
  e.add('Event-Subclass', 'mod_audio_fork::transfer');
  e.add('Unique-ID', '6b1e7c2a-0000-4000-8000-000000000001');
  e.add('variable_sip_from_display', 'Zoë: "the caller" <x>');
  e.body = '{"target":"sip:100@pbx","note":"é"}';
  return e;
}

describe('switch_url_encode', () => {
  it('escapes FreeSWITCH unsafe characters and non-ASCII bytes, upper-case hex', () => {
    expect(fsUrlEncode('a b:c')).toBe('a%20b%3Ac');
    expect(fsUrlEncode('+OK\n')).toBe('%2BOK%0A');
    expect(fsUrlEncode('é')).toBe('%C3%A9');
    expect(fsUrlEncode('sip:100@pbx;x=1')).toBe('sip%3A100%40pbx%3Bx%3D1');
    expect(fsUrlEncode('/path,ok')).toBe('/path,ok');
  });

  it('keeps a % followed by two upper-case hex digits (no double encoding), escapes any other %', () => {
    expect(fsUrlEncode('50%41')).toBe('50%41');
    expect(fsUrlEncode('50%4a')).toBe('50%254a');
    expect(fsUrlEncode('100%')).toBe('100%25');
  });
});

describe('FreeSWITCH → client frames', () => {
  it('serialises text/event-plain exactly as switch_event_serialize does', () => {
    expect(serializePlain(sample())).toBe(
      'Event-Name: CUSTOM\n' +
        'Event-Subclass: mod_audio_fork%3A%3Atransfer\n' +
        'Unique-ID: 6b1e7c2a-0000-4000-8000-000000000001\n' +
        'variable_sip_from_display: Zo%C3%AB%3A%20%22the%20caller%22%20%3Cx%3E\n' +
        'Content-Length: 36\n\n' +
        '{"target":"sip:100@pbx","note":"é"}',
    );
    const empty = new FsEvent('HEARTBEAT');
    empty.add('Event-Name', 'HEARTBEAT');
    empty.add('Up-Time', '');
    expect(serializePlain(empty)).toBe('Event-Name: HEARTBEAT\nUp-Time: _undef_\n\n');
  });

  it('a plain event split across TCP chunks is decoded by modesl with headers and UTF-8 body intact', () => {
    const bytes = eventFrame(sample(), 'plain');
    const [parsed] = modeslParse(bytes.subarray(0, 17), bytes.subarray(17, 90), bytes.subarray(90));
    expect(parsed!.headers['Content-Type']).toBe('text/event-plain');
    expect(parsed!.event.getHeader('Event-Subclass')).toBe('mod_audio_fork::transfer');
    expect(parsed!.event.getHeader('variable_sip_from_display')).toBe('Zoë: "the caller" <x>');
    expect(parsed!.event.getBody()).toBe('{"target":"sip:100@pbx","note":"é"}');
  });

  it('a JSON event carries Content-Length as a string and the body as _body', () => {
    const bytes = eventFrame(sample(), 'json');
    const text = bytes.toString('utf8');
    expect(
      text.startsWith(`Content-Length: ${Buffer.byteLength(text.slice(text.indexOf('\n\n') + 2))}\n`),
    ).toBe(true);
    const body = JSON.parse(text.slice(text.indexOf('\n\n') + 2)) as Record<string, string>;
    expect(body['Content-Length']).toBe('36');
    expect(body._body).toBe('{"target":"sip:100@pbx","note":"é"}');
    const [parsed] = modeslParse(bytes);
    expect(parsed!.event.getHeader('Unique-ID')).toBe('6b1e7c2a-0000-4000-8000-000000000001');
    expect(parsed!.event.getBody()).toBe('{"target":"sip:100@pbx","note":"é"}');
  });

  it('replies: command/reply, api/response with a byte-counted body, "-ERR no reply" for an empty one', () => {
    expect(commandReply('+OK accepted').toString()).toBe(
      'Content-Type: command/reply\nReply-Text: +OK accepted\n\n',
    );
    expect(commandReply('~Reply-Text: +OK Job-UUID: j1\nJob-UUID: j1\n\n').toString()).toBe(
      'Content-Type: command/reply\nReply-Text: +OK Job-UUID: j1\nJob-UUID: j1\n\n',
    );
    expect(apiResponse('+OK é\n').toString()).toBe(
      'Content-Type: api/response\nContent-Length: 7\n\n+OK é\n',
    );
    expect(apiResponse('').toString()).toBe(
      'Content-Type: api/response\nContent-Length: 14\n\n-ERR no reply\n',
    );
    const [reply, api] = modeslParse(commandReply('+OK accepted'), apiResponse('+OK Success\n'));
    expect(reply!.event.getHeader('Modesl-Reply-OK')).toBe('accepted');
    expect(api!.headers['Content-Type']).toBe('api/response');
    expect(api!.event.getBody()).toBe('+OK Success\n');
  });

  it('the CHANNEL_DATA answer to connect is a URL-encoded command/reply modesl reads as channel data', () => {
    const e = new FsEvent('CHANNEL_DATA');
    e.add('Event-Name', 'CHANNEL_DATA');
    e.add('Unique-ID', 'u-1');
    e.add('variable_rtp_local_sdp_str', 'v=0\r\nm=audio 20000 RTP/AVP 0 101\r\n');
    e.add('Content-Type', 'command/reply');
    e.add('Reply-Text', '+OK\n');
    const [parsed] = modeslParse(Buffer.from(serializePlain(e)));
    expect(parsed!.headers['Content-Type']).toBe('command/reply');
    expect(parsed!.event.getHeader('Reply-Text')).toBe('+OK\n');
    expect(parsed!.event.getHeader('variable_rtp_local_sdp_str')).toBe(
      'v=0\r\nm=audio 20000 RTP/AVP 0 101\r\n',
    );
    expect(parsePlainEvent(serializePlain(e)).get('Reply-Text')).toBe('+OK\n');
  });

  it('disconnect notice names the controlled session', () => {
    const text = disconnectNotice(GOODBYE, 'u-1').toString();
    expect(text).toBe(
      'Content-Type: text/disconnect-notice\nControlled-Session-UUID: u-1\nContent-Disposition: disconnect\n' +
        `Content-Length: ${GOODBYE.length}\n\n${GOODBYE}`,
    );
    const [parsed] = modeslParse(Buffer.from(text));
    expect(parsed!.headers['Content-Type']).toBe('text/disconnect-notice');
    expect(parsed!.event.getBody()).toBe(GOODBYE);
  });
});

describe('client → FreeSWITCH commands (read_packet)', () => {
  it('splits commands, keeps raw header values, reads a Content-Length body, across chunks', () => {
    const d = new EslCommandDecoder();
    const bytes = Buffer.concat([
      Buffer.from('\n\napi uuid_audio_fork ^^|u|start|ws://h/x|mono|8000\n\n'),
      encodeCommand('sendmsg u-1', {
        'call-command': 'execute',
        'execute-app-name': 'hangup',
        'Event-UUID': 'e-1',
      }),
      Buffer.from('sendevent CUSTOM\r\nEvent-Subclass: a::b\r\ncontent-length: 5\r\n\r\nhello'),
      Buffer.from('exit\n\n'),
    ]);
    const got = [
      ...d.push(bytes.subarray(0, 30)),
      ...d.push(bytes.subarray(30, 101)),
      ...d.push(bytes.subarray(101)),
    ];
    expect(got.map((c) => c.line)).toEqual([
      'api uuid_audio_fork ^^|u|start|ws://h/x|mono|8000',
      'sendmsg u-1',
      'sendevent CUSTOM',
      'exit',
    ]);
    expect(got[1]!.headers).toEqual([
      ['call-command', 'execute'],
      ['execute-app-name', 'hangup'],
      ['Event-UUID', 'e-1'],
    ]);
    expect(got[2]!.body).toBe('hello');
  });

  it('refuses an absurd Content-Length (the socket is then closed)', () => {
    const d = new EslCommandDecoder();
    d.push(Buffer.from('sendevent CUSTOM\ncontent-length: 99999999\n\n'));
    expect(d.failed).toBe(true);
  });
});
