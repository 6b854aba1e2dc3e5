/**
 * What the caller hears of the agent, reconstructed from what arrived on the fork: the media side
 * plays arriving audio in order at real time and drops what is still queued when killAudio comes
 * (FreeSWITCH's behaviour, research drachtio-freeswitch §8). Pure.
 */

export interface Arrival {
  at: number;
  ms: number;
  voiced: boolean;
}

/** A stretch of agent speech the caller heard, [start, end) in caller clock ms. */
export interface Heard {
  start: number;
  end: number;
}

/** Voiced agent audio as heard, merged into intervals (gaps under one frame joined). */
export function heardSpeech(arrivals: readonly Arrival[], kills: readonly number[]): Heard[] {
  const killAt = [...kills].sort((a, b) => a - b);
  let k = 0;
  let queueEnd = -Infinity;
  const out: Heard[] = [];
  for (const a of arrivals) {
    // A kill between the last arrival and this one flushes what had not played yet.
    while (k < killAt.length && killAt[k]! <= a.at) {
      const kill = killAt[k++]!;
      if (queueEnd > kill) {
        queueEnd = kill;
        trim(out, kill);
      }
    }
    const start = Math.max(a.at, queueEnd);
    const end = start + a.ms;
    queueEnd = end;
    if (!a.voiced) continue;
    const last = out.at(-1);
    if (last && start - last.end < 21) last.end = end;
    else out.push({ start, end });
  }
  while (k < killAt.length) trim(out, killAt[k++]!);
  return out.filter((h) => h.end > h.start);
}

function trim(out: Heard[], kill: number): void {
  for (let i = out.length - 1; i >= 0; i--) {
    const h = out[i]!;
    if (h.start >= kill) out.splice(i, 1);
    else if (h.end > kill) h.end = kill;
    else break;
  }
}

/** Heard speech overlapping [from, to). */
export function heardBetween(heard: readonly Heard[], from: number, to: number): number {
  let ms = 0;
  for (const h of heard) ms += Math.max(0, Math.min(h.end, to) - Math.max(h.start, from));
  return ms;
}
