import { describe, expect, it } from 'vitest';
import { cutAtWord, heardPrefix } from './heard-text.js';

describe('heardPrefix', () => {
  const text = 'The quick brown fox jumps over the lazy dog';
  it('maps heard audio to text proportionally and cuts at a word boundary', () => {
    // 43 chars over 4300 ms: 1500 ms heard → 15 chars → "The quick brown" (15 chars exactly ends a word).
    expect(heardPrefix({ text, heardMs: 1500, audioMs: 4300, complete: true })).toBe('The quick brown');
    expect(heardPrefix({ text, heardMs: 1300, audioMs: 4300, complete: true })).toBe('The quick');
  });
  it('gives nothing before the first word ends, everything at the end', () => {
    expect(heardPrefix({ text, heardMs: 100, audioMs: 4300, complete: true })).toBe('');
    expect(heardPrefix({ text, heardMs: 0, audioMs: 4300, complete: true })).toBe('');
    expect(heardPrefix({ text, heardMs: 4300, audioMs: 4300, complete: true })).toBe(text);
  });
  it('estimates the total from the text while the TTS is still generating', () => {
    // Only 1000 ms of audio so far; the 43 chars are estimated at 65 ms each = 2795 ms → 15.4 chars.
    expect(heardPrefix({ text, heardMs: 1000, audioMs: 1000, complete: false })).toBe('The quick brown');
    // Had the audio length been taken as the total, everything would count as heard.
    expect(heardPrefix({ text, heardMs: 1000, audioMs: 1000, complete: true })).toBe(text);
  });
  it('cutAtWord never returns half a word', () => {
    expect(cutAtWord('hello world', 8)).toBe('hello');
    expect(cutAtWord('hello world', 5)).toBe('hello');
    expect(cutAtWord('hello world', 3)).toBe('');
  });
});
