/**
 * Phrases that tell a machine from a person in the first words after answering. Each cue is a
 * regular expression over normalised text (lower case, no punctuation, number words as digits) with
 * a weight: 2 settles the class on its own, 1 needs company. Pure.
 */
export type MachineKind = 'voicemail' | 'ivr' | 'screening';
/** Machine classes, and phrases a person answering a business line says ("how can I help you?"). */
export type CueKind = MachineKind | 'human';

export interface Cue {
  kind: CueKind;
  pattern: RegExp;
  weight: 1 | 2;
}

export interface CueScores {
  scores: Record<CueKind, number>;
  /** The source text of each matched cue, in match order. */
  matched: string[];
}

const c = (kind: CueKind, weight: 1 | 2, pattern: RegExp): Cue => ({ kind, weight, pattern });

export const ANSWER_CUES: readonly Cue[] = [
  c('voicemail', 2, /\bleave (a|your|me a|us a) (brief |short |detailed )?(message|voicemail)\b/),
  c('voicemail', 2, /\b(after|at) the (tone|beep)\b/),
  c('voicemail', 2, /\b(voice ?mail|mailbox|answering machine)\b/),
  c('voicemail', 2, /\b(not|isnt|is not|arent|are not) available\b|\bunavailable\b/),
  c('voicemail', 2, /\b(cant|cannot|can not|unable to) (come to|get to|take) (the phone|your call)\b/),
  c('voicemail', 2, /\brecord your message\b/),
  c('voicemail', 1, /\b(get|call) (back to you|you back)\b|\breturn your call\b/),
  c('voicemail', 1, /\b(you have|youve) reached\b/),
  c('voicemail', 1, /\b(away from|not at) (my|the|our) (desk|phone)\b/),
  c('ivr', 2, /\b(press|dial|say) (\d|star|pound)\b/),
  c('ivr', 2, /\b(main menu|menu options|following options|listen carefully)\b/),
  c('ivr', 2, /\bfor (sales|support|billing|customer service|technical support|accounts|english|spanish)\b/),
  c('ivr', 2, /\byour call is (very )?important\b/),
  c('ivr', 1, /\b(thank you|thanks) for calling\b/),
  c('ivr', 1, /\bextension\b|\boperator\b|\bpara espanol\b/),
  c('ivr', 1, /\b(calls|this call) may be (recorded|monitored)\b/),
  c('screening', 2, /\b(state|say|record|tell me) your name\b/),
  c('screening', 2, /\bscreen(ing|ed)?\b/),
  c('screening', 2, /\b(reason for|purpose of) (your|the|this) call\b|\breason for calling\b/),
  c('screening', 2, /\bwhy (you are|youre) calling\b|\bwhat (you are|youre) calling about\b/),
  c('screening', 2, /\bsee if (this|the) person is available\b|\bcopy of this conversation\b/),
  c('screening', 1, /\bwho is calling\b|\bwhos calling\b|\bwho is this\b|\bmay i ask who\b/),
  c('screening', 1, /\bstay on the line\b/),
  c('human', 2, /\bhow (can|may) i (help|direct)\b|\bwhat can i do for you\b/),
];

const NUMBER_WORDS: Record<string, string> = {
  zero: '0',
  one: '1',
  two: '2',
  three: '3',
  four: '4',
  five: '5',
  six: '6',
  seven: '7',
  eight: '8',
  nine: '9',
};

/** Lower case, apostrophes dropped ("can't" → "cant"), other punctuation to spaces, digits as digits. */
export function normaliseTranscript(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/['\u2019]/g, '')
    .replace(/[^a-z0-9#*]+/g, ' ')
    .split(' ')
    .filter((w) => w.length > 0)
    .map((w) => NUMBER_WORDS[w] ?? w)
    .join(' ');
}

export function countWords(text: string): number {
  const norm = normaliseTranscript(text);
  return norm === '' ? 0 : norm.split(' ').length;
}

/** Score the transcript so far against every cue. "Available" on its own is not a voicemail cue. */
export function scoreTranscript(text: string, cues: readonly Cue[] = ANSWER_CUES): CueScores {
  const norm = normaliseTranscript(text);
  const scores: Record<CueKind, number> = { voicemail: 0, ivr: 0, screening: 0, human: 0 };
  const matched: string[] = [];
  for (const cue of cues) {
    const m = cue.pattern.exec(norm);
    if (!m) continue;
    scores[cue.kind] += cue.weight;
    matched.push(m[0]);
  }
  return { scores, matched };
}

/** The leading machine class and its lead over the runner-up (human cues do not count here). */
export function leadingKind(scores: Record<CueKind, number>): {
  kind: MachineKind;
  score: number;
  lead: number;
} {
  const machine: [MachineKind, number][] = [
    ['voicemail', scores.voicemail],
    ['ivr', scores.ivr],
    ['screening', scores.screening],
  ];
  const ranked = machine.sort((a, b) => b[1] - a[1]);
  return { kind: ranked[0]![0], score: ranked[0]![1], lead: ranked[0]![1] - ranked[1]![1] };
}
