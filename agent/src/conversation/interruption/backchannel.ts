/**
 * Backchannels: "uh-huh", "yeah", "ok", "mm", "right" — what a listener says to show they are
 * listening, not to take the turn. A per-profile list of words and phrases; an utterance is a
 * backchannel when every word of it is covered by them. Hyphens count as spaces ("uh-huh" = "uh huh").
 */

function tokens(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[-‐–—]/g, ' ')
    .replace(/[^\p{L}\p{N}'\s]/gu, ' ')
    .split(/\s+/)
    .filter(Boolean);
}

export class BackchannelMatcher {
  private readonly phrases: string[][];

  constructor(phrases: readonly string[]) {
    this.phrases = phrases.map(tokens).filter((p) => p.length > 0);
  }

  /**
   * Words of `text` not covered by backchannel phrases (the fewest, over all ways to cover it).
   * `partial`: the text is an interim result, so its last words may be the start of a phrase
   * ("I" of "I see") and do not count yet.
   */
  realWords(text: string, partial = false): number {
    const w = tokens(text);
    // best[i] = fewest uncovered words in w[i..]
    const best = new Array<number>(w.length + 1).fill(0);
    for (let i = w.length - 1; i >= 0; i--) {
      let b = 1 + best[i + 1]!;
      for (const p of this.phrases) {
        const n = Math.min(p.length, w.length - i);
        if (!p.slice(0, n).every((t, k) => w[i + k] === t)) continue;
        if (n === p.length) b = Math.min(b, best[i + n]!);
        else if (partial) b = 0; // the text ends inside a phrase still being said
      }
      best[i] = b;
    }
    return best[0]!;
  }

  /** Has words, and all of them are backchannels. */
  isBackchannel(text: string): boolean {
    return tokens(text).length > 0 && this.realWords(text) === 0;
  }
}
