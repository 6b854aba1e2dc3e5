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
    expect(c.push(' you?')).toEqual(['How are you?']);
    expect(c.push(' Fine')).toEqual([]);
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

  it('cuts a sentence that plainly ends at the last token without waiting for the next one', () => {
    const c = new TextChunker();
    expect(c.push('Sure')).toEqual([]);
    expect(c.push(', noted')).toEqual([]);
    expect(c.push('.')).toEqual(['Sure, noted.']);
    expect(c.push(' It costs 3')).toEqual([]);
    expect(c.push('.')).toEqual([]); // "3." may go on as "3.5"
    expect(c.push('5 dollars. Ask Dr')).toEqual(['It costs 3.5 dollars.']);
    expect(c.push('.')).toEqual([]); // a title, not a sentence end
    expect(c.push(' Smith, J')).toEqual([]);
    expect(c.push('.')).toEqual([]); // perhaps an initial: wait for what follows
    expect(c.push(' Jones!')).toEqual(['Ask Dr. Smith, J.', 'Jones!']);
    expect(c.flush()).toBeUndefined();
  });

  it('gives nothing for whitespace-only text', () => {
    expect(chunkAll(['  ', '\n'])).toEqual([]);
  });
});
