/**
 * The transcript-aware end-of-turn policy: how likely the caller's turn is complete, judged from the
 * words alone, with no model. Plainly unfinished text (a trailing digit group, "and", "my number
 * is", a filler, "let me think", a comma, no closing punctuation from smart_format) scores low, so
 * the detector waits up to its maximum delay; a complete question or answer scores high, so it ends
 * the turn after the minimum delay. Phone numbers, order numbers and lists read out with pauses are
 * what silence-only endpointing cuts off (research voice-agents §4, livekit/agents#3701).
 */

/** Words after which a sentence cannot end (conjunctions, prepositions, articles, verbs, fillers). */
const CONTINUATIONS = new Set([
  'and', 'or', 'but', 'so', 'because', 'cause', 'then', 'than', 'if', 'when', 'while', 'that', 'which',
  'who', 'where', 'as', 'the', 'a', 'an', 'to', 'of', 'for', 'with', 'at', 'in', 'on', 'from', 'by',
  'about', 'into', 'plus', 'my', 'your', 'our', 'their', 'his', 'her', 'its', 'this', 'these', 'is',
  'are', 'was', 'were', 'am', 'be', "it's", "i'm", "i'd", "i'll", "we're", "that's", 'uh', 'um',
  'umm', 'uhm', 'er', 'erm', 'hmm', 'like', 'dot', 'dash', 'hyphen', 'underscore',
]); // prettier-ignore

/** Phrases that announce more to come. */
const HOLD_PHRASES = [
  'let me think',
  'let me see',
  'let me check',
  'let me look',
  'hold on',
  'hang on',
  'one moment',
  'one second',
  'just a moment',
  'just a second',
  'give me a second',
  'give me a moment',
  'wait',
];

/** Scores on [0, 1]. */
export const COMPLETION = {
  unfinished: 0.05,
  openPunctuation: 0.1,
  digitGroup: 0.1,
  noClosingPunctuation: 0.3,
  statement: 0.85,
  question: 0.95,
} as const;

/** Digits in a trailing run this short (a group of a phone or order number) mean more is coming. */
const MIN_COMPLETE_NUMBER_DIGITS = 7;
/**
 * Digits of a phone number read out with its area code: 10 in North America (3-3-4), 10 or 11 in most
 * national plans (UK and DE: a leading 0 and 9–10 more). Fewer, after the caller named a phone number,
 * is a number still being read out; a 7-digit local number costs the maximum delay, not a cut-off.
 */
const MIN_PHONE_NUMBER_DIGITS = 10;
/** Words that announce a phone number ("my number is", "call me back on", "my cell is"). */
const PHONE_WORDS =
  /\b(?:phone|mobile|cell|cellphone|telephone|landline|callback|(?:call|reach|text) (?:me|us)|(?:my|the|your|our) number)\b/;
/** How many words before the digits a phone word still describes them ("you can reach me on"). */
const PHONE_WORDS_REACH = 6;

function words(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}'\s-]/gu, ' ')
    .split(/\s+/)
    .filter(Boolean);
}

/**
 * Digits read out at the end of the text, counted across groups. Streaming smart_format finalises each
 * group the caller pauses after on its own and punctuates it as a sentence, so one number arrives as
 * "415. 555. 0199." as well as "415 555 0199" or "415-555-0199": spaces, dashes, dots, commas and
 * brackets between groups all join them. A formatted quantity ("$12.50", "7:30") is not digits being
 * read out. The separator class needs one character at least, so the pattern cannot backtrack badly.
 */
function trailingDigitRun(text: string): { digits: number; before: string } | undefined {
  const m = /\d+(?:[\s.,()\-–—]+\d+)*\)?[.!?]?$/u.exec(text);
  if (!m) return undefined;
  const before = text.slice(0, m.index);
  if (/[$€£¥:]$/u.test(before)) return undefined;
  return { digits: m[0].replace(/\D/g, '').length, before };
}

/** The caller named a phone number just before the digits. */
function namesPhoneNumber(before: string): boolean {
  return PHONE_WORDS.test(words(before).slice(-PHONE_WORDS_REACH).join(' '));
}

/** Probability (0..1) that `text` is a whole turn. Empty text scores 0. */
export function transcriptCompletion(text: string): number {
  const t = text.trim();
  const w = words(t);
  if (w.length === 0) return 0;
  const last = w.at(-1)!;
  const joined = w.join(' ');
  if (CONTINUATIONS.has(last)) return COMPLETION.unfinished;
  if (HOLD_PHRASES.some((p) => joined === p || joined.endsWith(` ${p}`))) return COMPLETION.unfinished;
  if (/(?:,|;|:|\.\.\.|…|-|–|—)$/.test(t)) return COMPLETION.openPunctuation;
  const run = trailingDigitRun(t);
  if (run && run.digits < MIN_COMPLETE_NUMBER_DIGITS) return COMPLETION.digitGroup;
  if (run && run.digits < MIN_PHONE_NUMBER_DIGITS && namesPhoneNumber(run.before)) {
    return COMPLETION.digitGroup;
  }
  if (t.endsWith('?')) return COMPLETION.question;
  if (/[.!]["')\]]?$/.test(t)) return COMPLETION.statement;
  return COMPLETION.noClosingPunctuation;
}
