import { describe, expect, it } from 'vitest';
import { separateString } from './separate-string.js';

describe('switch_separate_string', () => {
  it("takes the ^^| form fsmrf's forkAudioStart sends, quotes stripped, all 10 fields", () => {
    const meta = `{"callId":"c1","from":"+1555","note":"it\\u0027s"}`;
    const argv = separateString(
      `^^|u-1|start|ws://127.0.0.1:8080/fork|mono|8000|sb|'${meta}'|true|true|8000`,
      ' ',
      10,
    );
    expect(argv).toEqual([
      'u-1',
      'start',
      'ws://127.0.0.1:8080/fork',
      'mono',
      '8000',
      'sb',
      meta,
      'true',
      'true',
      '8000',
    ]);
  });

  it('drops a trailing empty field: without a sample rate fsmrf gets 9 tokens, not 10', () => {
    const argv = separateString(`^^|u-1|start|ws://h/f|mono|8000||'{"a":1}'|true|false|`, ' ', 10);
    expect(argv).toHaveLength(9);
    expect(argv[5]).toBe('');
  });

  it('keeps everything after the 10th delimiter in the last token', () => {
    expect(separateString('^^|a|b|c|d|e|f|g|h|i|j|k|l', ' ', 10)).toEqual([
      'a',
      'b',
      'c',
      'd',
      'e',
      'f',
      'g',
      'h',
      'i',
      'j|k|l',
    ]);
  });

  it('blank mode: quotes group spaces, runs of spaces separate, leading/trailing spaces go', () => {
    expect(separateString('  u send_text  sb  \'{"text": "hello there"}\'  ', ' ', 10)).toEqual([
      'u',
      'send_text',
      'sb',
      '{"text": "hello there"}',
    ]);
  });

  it('backslash escapes lose their backslash: \\" and \\n inside JSON break it (a real defect)', () => {
    const argv = separateString(`u send_text sb '{"t":"say \\"hi\\"\\nok"}'`, ' ', 10);
    expect(argv[3]).toBe('{"t":"say "hi"\nok"}');
    expect(() => JSON.parse(argv[3]!)).toThrow();
    // \u escapes are not special and survive, which is why the app escapes with them.
    expect(separateString(`u x '{"t":"\\u0027"}'`, ' ', 10)[2]).toBe('{"t":"\\u0027"}');
  });

  it('an unmatched quote is kept as text', () => {
    expect(separateString("^^|a|it's|c", ' ', 10)).toEqual(['a', "it's", 'c']);
  });
});
