import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKCHANNELS } from '../../config/profile-schema.js';
import { BackchannelMatcher } from './backchannel.js';

const m = new BackchannelMatcher(DEFAULT_BACKCHANNELS);

describe('BackchannelMatcher', () => {
  it.each([
    'Uh-huh.',
    'uh huh',
    'Mm-hmm',
    'Yeah, yeah.',
    'Okay.',
    'OK',
    'Right.',
    'I see.',
    'Oh, okay, got it.',
  ])('%j is a backchannel', (text) => {
    expect(m.isBackchannel(text)).toBe(true);
    expect(m.realWords(text)).toBe(0);
  });

  it.each([
    ['Wait.', 1],
    ['No.', 1],
    ['Yeah, but what about Friday?', 4],
    ['Okay, stop.', 1],
    ['Hold on a second.', 4],
  ])('%j has %i real words', (text, n) => {
    expect(m.isBackchannel(text)).toBe(false);
    expect(m.realWords(text)).toBe(n);
  });

  it('in an interim result, the first words of a phrase do not count yet ("I" of "I see")', () => {
    expect(m.realWords('I')).toBe(1);
    expect(m.realWords('I', true)).toBe(0);
    expect(m.realWords('Okay, got', true)).toBe(0);
    expect(m.realWords('I want', true)).toBe(2);
    expect(m.realWords('Wait, I', true)).toBe(1);
  });

  it('empty text is not a backchannel, and a custom list replaces the defaults', () => {
    expect(m.isBackchannel('')).toBe(false);
    const custom = new BackchannelMatcher(['si', 'vale']);
    expect(custom.isBackchannel('Vale, sí')).toBe(false);
    expect(custom.isBackchannel('vale')).toBe(true);
    expect(custom.isBackchannel('okay')).toBe(false);
  });
});
