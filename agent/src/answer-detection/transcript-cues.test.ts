import { describe, expect, it } from 'vitest';
import { countWords, leadingKind, normaliseTranscript, scoreTranscript } from './transcript-cues.js';

const top = (text: string) => leadingKind(scoreTranscript(text).scores);

describe('transcript cues', () => {
  it('normalises punctuation, apostrophes and number words', () => {
    expect(normaliseTranscript("You've reached Dana's phone. Press One, or press #!")).toBe(
      'youve reached danas phone press 1 or press #',
    );
    expect(countWords('  Hello?  Who is this? ')).toBe(4);
  });

  it.each([
    ['Please leave a message after the tone.', 'voicemail'],
    ["I'm not available right now.", 'voicemail'],
    ["Sorry, I can't come to the phone.", 'voicemail'],
    ['You have reached the voicemail of Sam.', 'voicemail'],
    ['For sales, press 1.', 'ivr'],
    ['Please listen carefully as our menu options have changed.', 'ivr'],
    ['Your call is important to us.', 'ivr'],
    ['Please state your name and the reason for your call.', 'screening'],
    ["Go ahead and say your name and why you're calling.", 'screening'],
    ['This call is being screened.', 'screening'],
  ] as const)('%s → %s', (text, kind) => {
    const t = top(text);
    expect(t.kind).toBe(kind);
    expect(t.score).toBeGreaterThanOrEqual(2);
    expect(t.lead).toBeGreaterThanOrEqual(1);
  });

  it('gives ordinary greetings no deciding cue', () => {
    for (const text of [
      'Hello?',
      'Hi, this is Dana.',
      'Yeah?',
      'Good morning, Smith residence.',
      'Hello, who is this?',
    ]) {
      expect(top(text).score, text).toBeLessThan(2);
    }
  });

  it('does not read "available" alone as voicemail (a screening assistant says it too)', () => {
    const s = scoreTranscript("I'll see if this person is available.");
    expect(s.scores.voicemail).toBe(0);
    expect(s.scores.screening).toBe(2);
  });

  it('lists the matched phrases', () => {
    expect(scoreTranscript('Leave a message after the beep.').matched).toEqual([
      'leave a message',
      'after the beep',
    ]);
  });
});
