import { describe, expect, it } from 'vitest';
import { COMPLETION, transcriptCompletion } from './completion-policy.js';

describe('transcriptCompletion', () => {
  it.each([
    ['My number is', COMPLETION.unfinished],
    ['My number is 415', COMPLETION.digitGroup],
    ['My number is 415 555', COMPLETION.digitGroup],
    ['The order is 77-31.', COMPLETION.digitGroup],
    ['I would like eggs and', COMPLETION.unfinished],
    ['I would like to, um', COMPLETION.unfinished],
    ['Um, let me think.', COMPLETION.unfinished],
    ['Hold on', COMPLETION.unfinished],
    ['Eggs, milk,', COMPLETION.openPunctuation],
    ['My e-mail is alex dot', COMPLETION.unfinished],
    ['book a table for two', COMPLETION.noClosingPunctuation],
  ])('plainly unfinished: %j', (text, p) => {
    expect(transcriptCompletion(text)).toBe(p);
    expect(transcriptCompletion(text)).toBeLessThan(0.5);
  });

  it.each([
    ['Are you open today?', COMPLETION.question],
    ['Book a table for two, please.', COMPLETION.statement],
    ['Yes.', COMPLETION.statement],
    ['My number is 415 555 0199.', COMPLETION.statement],
    ['Call me at 4155550199!', COMPLETION.statement],
  ])('complete: %j', (text, p) => {
    expect(transcriptCompletion(text)).toBe(p);
    expect(transcriptCompletion(text)).toBeGreaterThan(0.8);
  });

  it('scores nothing as 0', () => {
    expect(transcriptCompletion('')).toBe(0);
    expect(transcriptCompletion(' ... ')).toBe(0);
  });
});
