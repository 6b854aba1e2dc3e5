/**
 * Which part of a reply the caller heard, from how much of its audio played. Audio and text are
 * mapped proportionally per TTS segment (one utterance = one segment of text and its audio); the cut
 * is moved back to a word boundary so history never holds half a word.
 */

/** Speaking rate used while the utterance's total audio length is still unknown (≈ 15 chars/s). */
export const ESTIMATED_MS_PER_CHAR = 65;

export interface HeardInput {
  text: string;
  heardMs: number;
  /** Audio received for this segment so far. */
  audioMs: number;
  /** True when the TTS finished the segment, so audioMs is its full length. */
  complete: boolean;
}

export function heardPrefix({ text, heardMs, audioMs, complete }: HeardInput): string {
  if (heardMs <= 0 || text.length === 0) return '';
  const totalMs = complete ? audioMs : Math.max(audioMs, text.length * ESTIMATED_MS_PER_CHAR);
  if (totalMs <= 0) return '';
  const fraction = Math.min(1, heardMs / totalMs);
  if (fraction >= 0.98) return text;
  const cut = Math.floor(text.length * fraction);
  return cutAtWord(text, cut);
}

/** The longest prefix of whole words ending at or before `cut`. */
export function cutAtWord(text: string, cut: number): string {
  if (cut >= text.length) return text;
  if (cut <= 0) return '';
  if (/\s/.test(text[cut]!)) return text.slice(0, cut).trimEnd();
  const lastSpace = text.lastIndexOf(' ', cut);
  return lastSpace <= 0 ? '' : text.slice(0, lastSpace).trimEnd();
}
