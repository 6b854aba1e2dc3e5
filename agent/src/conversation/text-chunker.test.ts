import { describe, expect, it } from 'vitest';
import { TextChunker } from './text-chunker.js';

function chunkAll(parts: string[]): string[] {
  const c = new TextChunker();
  const out = parts.flatMap((p) => c.push(p));
  const rest = c.flush();
  return rest ? [...out, rest] : out;
}

describe('TextChunker', () => {
  it('cuts at sentence ends as tokens stream in, and flushes the rest', () => {
    const c = new TextChunker();
    expect(c.push('Hello the')).toEqual([]);
    expect(c.push('re. How are')).toEqual(['Hello there.']);
    expect(c.push(' you?')).toEqual([]);
    expect(c.push(' Fine')).toEqual(['How are you?']);
    expect(c.flush()).toBe('Fine');
    expect(c.flush()).toBeUndefined();
  });

  it('cuts at clauses only when the piece is long enough (shorter for the first piece)', () => {
    expect(
      chunkAll(['Yes, ', 'I can book that table for you, ', 'and I will send a confirmation, ', 'ok.']),
    ).toEqual(['Yes, I can book', 'that table for you, and I will send a confirmation,', 'ok.']);
  });

  it('sends the first words of a reply before any punctuation, but never cuts a number', () => {
    const c = new TextChunker();
    expect(c.push('We ')).toEqual([]);
    expect(c.push('open ')).toEqual([]);
    expect(c.push('at ')).toEqual([]);
    expect(c.push('nine ')).toEqual(['We open at nine']);
    // later pieces wait for punctuation as before
    expect(c.push('on weekdays and on ')).toEqual([]);
    expect(chunkAll(['Your code is 4 7 ', '2 9, thanks.'])).toEqual(['Your code is 4 7 2 9,', 'thanks.']);
  });

  it('does not split decimals, abbreviations or URLs', () => {
    expect(chunkAll(['It costs 3.50 dollars. Ask Dr. Smith at example.com today.'])).toEqual([
      'It costs 3.50 dollars.',
      'Ask Dr. Smith at example.com today.',
    ]);
  });

  it('gives nothing for whitespace-only text', () => {
    expect(chunkAll(['  ', '\n'])).toEqual([]);
  });
});
