/**
 * The scripted calls of the turn-taking benchmark. Each call: the agent greets, the caller takes one
 * turn (one or more spoken segments with pauses INSIDE the turn), the agent answers; some calls then
 * put a sound over the agent's answer (a backchannel, a cough, a noise burst, or a real interruption).
 * `said` is what espeak-ng speaks; `heard` is what the STT fake reports for it, written the way
 * Deepgram's smart_format would (digits, punctuation) — including endings that mislead a
 * transcript policy (a list item heard as "Eggs." before "and milk"). Pure data.
 */

export type Category = 'digits' | 'filler' | 'list' | 'clean' | 'backchannel' | 'noise' | 'interrupt';

export interface Segment {
  said: string;
  heard: string;
  /** Silence after this segment, inside the turn (ms). Unset on the last segment. */
  pauseMs?: number;
}

/** A sound over the agent's reply, `atMs` after its first audio. */
export interface Overlap {
  kind: 'backchannel' | 'cough' | 'door' | 'interrupt';
  /** espeak text (backchannel, interrupt); unused for synthesised noises. */
  said?: string;
  heard: string;
  atMs: number;
}

export interface CallScript {
  id: string;
  category: Category;
  turn: Segment[];
  /** The agent's reply (the LLM fake's text). */
  reply: string;
  overlap?: Overlap;
}

const SHORT = 'Sure, noted.';
/** About 6 s of agent speech at the TTS fake's 55 ms per character. */
const LONG =
  'Sure. We are open from nine in the morning until six in the evening, Monday to Saturday, and from ten to four on Sundays.';

const seg = (said: string, heard: string, pauseMs?: number): Segment =>
  pauseMs === undefined ? { said, heard } : { said, heard, pauseMs };

function digits(): CallScript[] {
  const numbers: [string, string][][] = [
    [
      ['my number is four one five', 'My number is 415'],
      ['five five five', '555'],
      ['zero one nine nine', '0199.'],
    ],
    [
      ['my order number is seven three one', 'My order number is 731'],
      ['four four two', '442.'],
    ],
    [
      ['the code is nine four', 'The code is 94'],
      ['one one zero', '110.'],
    ],
    [
      ['call me back on two zero six', 'Call me back on 206'],
      ['eight one eight', '818'],
      ['three three four four', '3344.'],
    ],
    [
      ['my account is one two three four', 'My account is 1234'],
      ['five six seven eight', '5678.'],
    ],
    [
      ['the booking reference is eight eight', 'The booking reference is 88'],
      ['three one', '31'],
      ['two', '2.'],
    ],
  ];
  const pauses = [600, 900, 1200, 1500];
  const out: CallScript[] = [];
  let n = 0;
  for (const groups of numbers) {
    for (let v = 0; v < 2; v++) {
      // The agent sends Finalize when the caller pauses, and streaming smart_format punctuates the
      // group it finalises as a sentence ("415." … "555." … "0199."); the first reading of each number
      // comes back bare, the second with those full stops.
      const turn = groups.map(([said, heard], i) =>
        i < groups.length - 1
          ? seg(said, v === 1 ? `${heard}.` : heard, pauses[(n + i + v) % pauses.length]!)
          : seg(said, heard),
      );
      out.push({ id: `digits-${++n}`, category: 'digits', turn, reply: SHORT });
    }
  }
  return out;
}

function fillers(): CallScript[] {
  const items: [string, string, string, string, number][] = [
    ['i would like to um', "I'd like to, um", 'book a table for two', 'book a table for two.', 800],
    ['uh let me think', 'Uh, let me think.', 'tuesday at seven', 'Tuesday at seven.', 900],
    ['my name is uh', 'My name is, uh', 'alex morgan', 'Alex Morgan.', 800],
    ['i need to um', 'I need to, um', 'change my delivery address', 'change my delivery address.', 1000],
    ['hmm let me see', 'Hmm, let me see.', 'the blue one please', 'The blue one, please.', 1200],
    ['can you um', 'Can you, um', 'send me the invoice', 'send me the invoice?', 800],
    ['the problem is that', 'The problem is that', 'the screen stays black', 'the screen stays black.', 900],
    ['i was wondering if', 'I was wondering if', 'you deliver on sundays', 'you deliver on Sundays?', 1100],
  ];
  return items.map(([s1, h1, s2, h2, pause], i) => ({
    id: `filler-${i + 1}`,
    category: 'filler',
    turn: [seg(s1, h1, pause), seg(s2, h2)],
    reply: SHORT,
  }));
}

function lists(): CallScript[] {
  // Half the list items come back with a full stop, as an STT often punctuates a pause: hard cases.
  const items: [string, string][][] = [
    [
      ['i need eggs', 'I need eggs,'],
      ['milk', 'milk,'],
      ['and bread', 'and bread.'],
    ],
    [
      ['i need eggs', 'I need eggs.'],
      ['and milk', 'And milk.'],
    ],
    [
      ['we want the soup', 'We want the soup,'],
      ['two salads', 'two salads,'],
      ['and a pizza', 'and a pizza.'],
    ],
    [
      ['add a charger', 'Add a charger.'],
      ['and a case', 'And a case.'],
    ],
    [
      ['the red one', 'The red one,'],
      ['the green one', 'the green one,'],
      ['and the black one', 'and the black one.'],
    ],
    [
      ['monday works', 'Monday works.'],
      ['or tuesday', 'Or Tuesday.'],
    ],
    [
      ['first the kitchen', 'First the kitchen,'],
      ['then the bathroom', 'then the bathroom.'],
    ],
    [
      ['pasta for me', 'Pasta for me.'],
      ['and fish for my wife', 'And fish for my wife.'],
    ],
  ];
  const pauses = [700, 900, 1200];
  return items.map((groups, i) => ({
    id: `list-${i + 1}`,
    category: 'list' as const,
    turn: groups.map(([said, heard], k) =>
      k < groups.length - 1 ? seg(said, heard, pauses[(i + k) % pauses.length]!) : seg(said, heard),
    ),
    reply: SHORT,
  }));
}

const CLEAN: [string, string][] = [
  ['are you open today', 'Are you open today?'],
  ['book a table please', 'Book a table, please.'],
  ['where is my order', 'Where is my order?'],
  ['is there parking', 'Is there parking?'],
  ['thanks that is all', "Thanks, that's all."],
  ['can i speak to sales', 'Can I speak to sales?'],
  ['what time do you close', 'What time do you close?'],
  ['i want to cancel my booking', 'I want to cancel my booking.'],
  ['yes', 'Yes.'],
];

function clean(): CallScript[] {
  return CLEAN.map(([said, heard], i) => ({
    id: `clean-${i + 1}`,
    category: 'clean',
    turn: [seg(said, heard)],
    reply: SHORT,
  }));
}

function overlaps(): CallScript[] {
  const specs: [Category, Overlap][] = [
    ['backchannel', { kind: 'backchannel', said: 'uh huh', heard: 'Uh-huh.', atMs: 900 }],
    ['backchannel', { kind: 'backchannel', said: 'yeah', heard: 'Yeah.', atMs: 1300 }],
    ['backchannel', { kind: 'backchannel', said: 'okay', heard: 'Okay.', atMs: 1700 }],
    ['backchannel', { kind: 'backchannel', said: 'mm hmm', heard: 'Mm-hmm.', atMs: 1100 }],
    ['backchannel', { kind: 'backchannel', said: 'right', heard: 'Right.', atMs: 1500 }],
    ['backchannel', { kind: 'backchannel', said: 'i see', heard: 'I see.', atMs: 2000 }],
    ['noise', { kind: 'cough', heard: '', atMs: 1000 }],
    ['noise', { kind: 'cough', heard: '', atMs: 1800 }],
    ['noise', { kind: 'cough', heard: '', atMs: 1400 }],
    ['noise', { kind: 'door', heard: '', atMs: 1200 }],
    ['noise', { kind: 'door', heard: '', atMs: 2100 }],
    ['noise', { kind: 'door', heard: '', atMs: 800 }],
    [
      'interrupt',
      {
        kind: 'interrupt',
        said: 'sorry wait what about friday',
        heard: 'Sorry, wait, what about Friday?',
        atMs: 1200,
      },
    ],
    ['interrupt', { kind: 'interrupt', said: 'no stop', heard: 'No, stop.', atMs: 1600 }],
    [
      'interrupt',
      {
        kind: 'interrupt',
        said: 'actually i need a different day',
        heard: 'Actually, I need a different day.',
        atMs: 1000,
      },
    ],
    ['interrupt', { kind: 'interrupt', said: 'hold on a second', heard: 'Hold on a second.', atMs: 2000 }],
    [
      'interrupt',
      { kind: 'interrupt', said: 'can i just ask something', heard: 'Can I just ask something?', atMs: 1400 },
    ],
    [
      'interrupt',
      { kind: 'interrupt', said: 'that is not what i asked', heard: "That's not what I asked.", atMs: 900 },
    ],
  ];
  return specs.map(([category, overlap], i) => {
    const [said, heard] = CLEAN[i % CLEAN.length]!;
    return { id: `${category}-${i + 1}`, category, turn: [seg(said, heard)], reply: LONG, overlap };
  });
}

export const CALLS: readonly CallScript[] = [
  ...digits(),
  ...fillers(),
  ...lists(),
  ...clean(),
  ...overlaps(),
];

/** The STT fake's transcripts for a call, one per speech segment the caller produces, in order. */
export function transcriptsOf(call: CallScript): string[] {
  return [...call.turn.map((s) => s.heard), ...(call.overlap ? [call.overlap.heard] : [])];
}

/** Segment indices (into transcriptsOf) after which the caller's turn goes on (Flux fake `holds`). */
export function holdsOf(call: CallScript): number[] {
  return call.turn.flatMap((s, i) => (s.pauseMs !== undefined ? [i] : []));
}
