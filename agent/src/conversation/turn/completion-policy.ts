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

function words(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}'\s-]/gu, ' ')
    .split(/\s+/)
    .filter(Boolean);
}

/** Digits at the end of the text, across groups separated by spaces or dashes ("415 555-01"). */
function trailingDigits(text: string): number {
  const m = /([\d][\d\s-]*)[.!?]?$/.exec(text);
  return m ? m[1]!.replace(/\D/g, '').length : 0;
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
  const digits = trailingDigits(t);
  if (digits > 0 && digits < MIN_COMPLETE_NUMBER_DIGITS) return COMPLETION.digitGroup;
  if (t.endsWith('?')) return COMPLETION.question;
  if (/[.!]["')\]]?$/.test(t)) return COMPLETION.statement;
  return COMPLETION.noClosingPunctuation;
}
