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

  describe('a number read out in groups', () => {
    // Streaming smart_format finalises each group the caller pauses after and punctuates it as a
    // sentence: the detector sees "415. 555. 0199." as often as "415 555 0199".
    it.each([
      'My number is 415. 555. 0199.',
      'Call me back on 206. 818. 3344.',
      'My account is 1234. 5678.',
      'My number is (415) 555-0199.',
      'My number is 415, 555, 0199.',
    ])('is whole once its groups add up, full stops between them or not: %j', (text) => {
      expect(transcriptCompletion(text)).toBe(COMPLETION.statement);
    });

    it.each(['My number is 415. 555.', 'My account is 1234.', 'The reference is 88. 31. 2.'])(
      'is unfinished while its groups are short of a number: %j',
      (text) => {
        expect(transcriptCompletion(text)).toBe(COMPLETION.digitGroup);
      },
    );

    it.each([
      'My number is 415 555 01.',
      'My phone number is 415-555-01.',
      'You can reach me on 0207 946.',
      'Call me back on 555. 0199.',
      'My cell is 1 800 642.',
    ])('is unfinished after a phone word until it has an area code (10 digits): %j', (text) => {
      expect(transcriptCompletion(text)).toBe(COMPLETION.digitGroup);
    });

    it.each(['My order number is 73144211.', 'The tracking code is 4412 9981.'])(
      'needs no area code when it is not a phone number: %j',
      (text) => {
        expect(transcriptCompletion(text)).toBe(COMPLETION.statement);
      },
    );
  });

  it.each(['That comes to $12.50.', 'Tomorrow at 7:30.', 'It was €40.'])(
    'a formatted amount or time is not a digit group: %j',
    (text) => {
      expect(transcriptCompletion(text)).toBe(COMPLETION.statement);
    },
  );
});
