import { describe, expect, it } from 'vitest';
import { DEFAULT_BUGNAME, parseForkArgs, parseWsUri, type ForkAction } from './fork-args.js';

const parse = (s: string): ForkAction => parseForkArgs(s, 800);
const start = (s: string) => {
  const a = parse(s);
  if (a.kind !== 'start') throw new Error(`expected start, got ${a.kind}`);
  return a;
};

describe('uuid_audio_fork arguments (mod_audio_fork.c fork_function)', () => {
  it('10 fields: bug name, metadata and the three bidirectional settings; WRITE_REPLACE only with all three', () => {
    const a = start(`^^|u|start|ws://127.0.0.1:9000/fork|mono|8000|sb|'{"x":1}'|true|true|8000`);
    expect(a).toMatchObject({
      bugname: 'sb',
      metadata: '{"x":1}',
      bidiEnabled: true,
      bidiStream: true,
      bidiRate: 8000,
    });
    expect(a.writeReplace).toBe(true);
    expect(a.target).toEqual({ secure: false, host: '127.0.0.1', port: 9000, path: '/fork' });
    expect(start(`^^|u|start|ws://h/f|mono|8000|sb|'{}'|true|false|8000`).writeReplace).toBe(false);
    expect(start(`^^|u|start|ws://h/f|mono|8000|sb|'{}'|true|true|0`).writeReplace).toBe(false);
    // fsmrf sends `true` for enabled:false; only the literal "true" counts.
    expect(start(`^^|u|start|ws://h/f|mono|8000|sb|'{}'|yes|true|8000`).bidiEnabled).toBe(false);
  });

  it('10 fields with empty bug name and metadata: default bug name, no metadata', () => {
    const a = start(`^^|u|start|ws://h/f|mono|16k|||true|true|16000`);
    expect(a.bugname).toBe(DEFAULT_BUGNAME);
    expect(a.metadata).toBeUndefined();
    expect(a.sampling).toBe(16000);
  });

  it('fsmrf without sampleRate: 9 tokens, every bidirectional field ignored, the EMPTY bug name kept', () => {
    const a = start(`^^|u|start|ws://h/f|mono|8000||'{"x":1}'|true|true|`);
    expect(a.bugname).toBe('');
    expect(a.metadata).toBe('{"x":1}');
    expect(a.bidiStream).toBe(false);
    expect(a.writeReplace).toBe(false);
  });

  it('6 fields: JSON-looking is metadata, anything else is the bug name; 5 fields: defaults', () => {
    expect(start(`u start ws://h/f mono 8k '{"a":1}'`)).toMatchObject({
      bugname: DEFAULT_BUGNAME,
      metadata: '{"a":1}',
    });
    expect(start('u start ws://h/f mono 8k mybug')).toMatchObject({ bugname: 'mybug', metadata: undefined });
    expect(start('u start ws://h/f stereo 24000')).toMatchObject({
      bugname: DEFAULT_BUGNAME,
      mix: 'stereo',
      sampling: 24000,
    });
  });

  it('stop / send_text: one extra token is text when it starts with { or [, else the bug name', () => {
    expect(parse(`u stop '{"bye":1}'`)).toEqual({
      kind: 'stop',
      uuid: 'u',
      bugname: DEFAULT_BUGNAME,
      text: '{"bye":1}',
    });
    expect(parse('u stop sb')).toEqual({ kind: 'stop', uuid: 'u', bugname: 'sb', text: undefined });
    expect(parse(`u send_text sb '{"a":1}'`)).toEqual({
      kind: 'send_text',
      uuid: 'u',
      bugname: 'sb',
      text: '{"a":1}',
    });
    expect(parse('u send_text sb')).toEqual({ kind: 'send_text', uuid: 'u', bugname: 'sb', text: undefined });
    expect(parse('u send_text')).toMatchObject({ kind: 'no-reply' });
  });

  it('stop_play ignores the bug name it is given', () => {
    expect(parse('u stop_play sb')).toEqual({ kind: 'stop_play', uuid: 'u', bugname: DEFAULT_BUGNAME });
  });

  it('usage, no reply, and the places the real module crashes', () => {
    expect(parse('u')).toMatchObject({ kind: 'usage' });
    expect(parse('u start ws://h/f')).toMatchObject({ kind: 'usage' });
    expect(parse('u start ws://h/f mono')).toMatchObject({ kind: 'fault', crash: true });
    expect(parse('u start ws://h/f quad 8000')).toMatchObject({ kind: 'no-reply' });
    expect(parse(`u start ws://h/${'x'.repeat(800)} mono 8000`)).toMatchObject({
      kind: 'fault',
      crash: true,
    });
    expect(parse(`u start ws://h/${'x'.repeat(690)} mono 8000`)).toMatchObject({ kind: 'start' });
    expect(parse('u start ftp://h/f mono 8000')).toMatchObject({ kind: 'fault', crash: false });
    expect(parse('u start ws://h/f mono abc')).toMatchObject({ kind: 'refused' });
  });

  it('parse_ws_uri: scheme defaults, http(s) as ws(s), path defaults to /', () => {
    expect(parseWsUri('wss://agent.example.com/fork?t=1')).toEqual({
      secure: true,
      host: 'agent.example.com',
      port: 443,
      path: '/fork?t=1',
    });
    expect(parseWsUri('http://10.0.0.1')).toEqual({ secure: false, host: '10.0.0.1', port: 80, path: '/' });
    expect(parseWsUri('WS://h:81/x')).toEqual({ secure: false, host: 'h', port: 81, path: '/x' });
  });
});
