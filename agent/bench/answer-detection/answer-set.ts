/**
 * The labelled answer-detection test set: what the callee side says when an outbound call is
 * answered. Every recording is generated (answer-audio.ts: espeak-ng voices and speeds, sox beeps
 * and noise); the text spoken stands in for the STT transcript (see answer-transcript.ts).
 */
import type { AnswerKind } from '../../src/answer-detection/answer-types.js';

export interface BeepSpec {
  hz: number;
  ms: number;
  /** Silence between the end of the greeting and the beep. */
  gapMs: number;
}

export interface AnswerRecording {
  id: string;
  label: Exclude<AnswerKind, 'unknown'>;
  /** Spoken parts, joined by `gapMs` of silence. */
  parts: string[];
  gapMs?: number;
  voice: string;
  /** espeak-ng words per minute. */
  speed: number;
  rate: 8000 | 16000;
  /** Silence from the answer to the first word. */
  leadMs: number;
  beep?: BeepSpec;
  /** Pink noise under everything, sox `vol` factor (0.01 ≈ −47 dBFS RMS). */
  noise?: number;
  /** Silence after the last sound (the callee waits, or the voicemail records). */
  tailMs: number;
}

const vm = (
  id: string,
  text: string,
  voice: string,
  speed: number,
  extra: Partial<AnswerRecording> = {},
): AnswerRecording => ({
  id,
  label: 'voicemail',
  parts: [text],
  voice,
  speed,
  rate: 8000,
  leadMs: 400,
  tailMs: 4000,
  ...extra,
});

const other = (
  label: 'human' | 'ivr' | 'screening',
  id: string,
  parts: string[],
  voice: string,
  speed: number,
  extra: Partial<AnswerRecording> = {},
): AnswerRecording => ({ id, label, parts, voice, speed, rate: 8000, leadMs: 300, tailMs: 4000, ...extra });

const beep = (hz: number, ms: number, gapMs = 500): { beep: BeepSpec } => ({ beep: { hz, ms, gapMs } });

export const ANSWER_SET: readonly AnswerRecording[] = [
  // Voicemail greetings followed by a beep (frequencies 440-1900 Hz, 0.2-1.5 s).
  vm(
    'vm-beep-1',
    "Hi, you've reached Dana. Please leave a message after the tone.",
    'en-us',
    160,
    beep(1000, 500),
  ),
  vm(
    'vm-beep-2',
    "You have reached the voicemail of Robert Miller. I'm not available right now.",
    'en-gb+m3',
    150,
    beep(850, 700),
  ),
  vm(
    'vm-beep-3',
    "Hello, this is Priya. I can't come to the phone right now, so leave your message and I'll call you back.",
    'en-us+f3',
    175,
    beep(1400, 300, 800),
  ),
  vm(
    'vm-beep-4',
    'The person you are trying to reach is not available. At the tone, please record your message.',
    'en-us',
    140,
    beep(440, 1000),
  ),
  vm('vm-beep-5', "Hey, it's Marco. Leave me a message.", 'en-029', 180, {
    ...beep(1900, 200, 300),
    noise: 0.01,
  }),
  vm(
    'vm-beep-6',
    'Thanks for calling the Johnsons. We are away from the phone, please leave a brief message.',
    'en-gb-scotland+f2',
    155,
    { ...beep(1200, 1500), rate: 16000 },
  ),
  vm(
    'vm-beep-7',
    'The number you have dialled is unavailable. Please leave a message after the beep.',
    'en-gb-x-rp',
    165,
    { ...beep(700, 600, 1000), noise: 0.02 },
  ),
  vm(
    'vm-beep-8',
    "Hi, this is Sam's phone. Sorry I missed you. I will get back to you as soon as I can.",
    'en-us-nyc+f4',
    170,
    beep(1000, 400),
  ),
  vm(
    'vm-beep-9',
    "You've reached the office of Doctor Chen. The office is closed. Please leave your name and number.",
    'en-us+m3',
    150,
    { ...beep(950, 800), rate: 16000, noise: 0.008 },
  ),
  vm(
    'vm-beep-10',
    'Your call has been forwarded to an automatic voice message system. The person is not available.',
    'en-us',
    175,
    beep(1000, 250, 600),
  ),
  vm('vm-beep-11', "Hi! You've got Jenny. I'm out right now. You know what to do.", 'en-us+f2', 185, {
    ...beep(600, 900),
    noise: 0.015,
  }),
  vm(
    'vm-beep-12',
    'Mailbox of extension four two one. Please record your message now.',
    'en-gb',
    145,
    beep(1650, 500, 400),
  ),
  // Voicemail greetings with no beep (the system starts recording silently).
  vm('vm-nobeep-1', "Hello, you've reached Alex. Leave a message and I'll call you back.", 'en-us', 160),
  vm(
    'vm-nobeep-2',
    "Hi, it's Olivia. I'm not available at the moment, please leave a message.",
    'en-gb+f3',
    150,
    { noise: 0.01 },
  ),
  vm(
    'vm-nobeep-3',
    'The subscriber you have called is not available. Please try again later or leave a voice message.',
    'en-us+m3',
    170,
    { rate: 16000 },
  ),
  vm(
    'vm-nobeep-4',
    "This is Tom. I'm on holiday until Monday and I'm away from my desk. I'll return your call when I'm back.",
    'en-gb-x-rp',
    155,
  ),
  vm(
    'vm-nobeep-5',
    "Hey, you've reached Chris and Pat. We can't take your call right now.",
    'en-029+f2',
    175,
    { noise: 0.02 },
  ),
  vm(
    'vm-nobeep-6',
    'Hello. This is the voicemail box of the front desk. Please leave a detailed message.',
    'en-us-nyc',
    145,
  ),
  // People answering: a short greeting, then they wait.
  other('human', 'human-pause-1', ['Hello?'], 'en-us', 160),
  other('human', 'human-pause-2', ['Hi, this is Dana.'], 'en-us+f3', 175),
  other('human', 'human-pause-3', ['Yeah, hello?'], 'en-gb+m3', 150, { noise: 0.015 }),
  other('human', 'human-pause-4', ['Hello, Marco speaking.'], 'en-029', 165, { rate: 16000 }),
  other('human', 'human-pause-5', ['Good morning.'], 'en-gb-scotland+f2', 150, { leadMs: 900 }),
  other('human', 'human-pause-6', ['Hi.'], 'en-us-nyc+f4', 170, { noise: 0.01 }),
  other('human', 'human-pause-7', ['Hello, who is this?'], 'en-us+m3', 180),
  other('human', 'human-pause-8', ['Smith residence.'], 'en-gb-x-rp', 155, { rate: 16000, noise: 0.008 }),
  // People who do not stop after one word: a second phrase follows at once.
  other('human', 'human-run-1', ['Hello?', 'Hello, anyone there?'], 'en-us', 170, { gapMs: 500 }),
  other('human', 'human-run-2', ['Hi,', 'yes, this is Priya.'], 'en-us+f3', 175, { gapMs: 250 }),
  other('human', 'human-run-3', ['Hello?', "Who's calling?"], 'en-gb+m3', 160, { gapMs: 600, noise: 0.01 }),
  other('human', 'human-run-4', ['Yes,', 'hello, Sam here.'], 'en-029+f2', 170, { gapMs: 350, rate: 16000 }),
  // IVR menus.
  other(
    'ivr',
    'ivr-1',
    ['Thank you for calling Acme Corporation. For sales, press 1. For support, press 2.'],
    'en-us',
    160,
  ),
  other(
    'ivr',
    'ivr-2',
    ['Your call is important to us. Please listen carefully as our menu options have changed.'],
    'en-gb-x-rp',
    155,
    { noise: 0.01 },
  ),
  other(
    'ivr',
    'ivr-3',
    ['Welcome to First City Bank. To check your balance, press one. To speak to an operator, press zero.'],
    'en-us+f3',
    170,
    { rate: 16000 },
  ),
  other(
    'ivr',
    'ivr-4',
    ["Thanks for calling. If you know your party's extension, dial it now. For the directory, press 9."],
    'en-gb+m3',
    165,
  ),
  other(
    'ivr',
    'ivr-5',
    ['Hello and welcome. Calls may be recorded. For billing, say billing or press 3.'],
    'en-us-nyc+f4',
    175,
    { noise: 0.015 },
  ),
  other(
    'ivr',
    'ivr-6',
    ['You have reached Northside Clinic. For appointments, press 1. For the pharmacy, press 2.'],
    'en-029',
    150,
  ),
  // Call-screening assistants.
  other(
    'screening',
    'screen-1',
    [
      "Hi, the person you're calling is using a screening service and will get a copy of this conversation. Go ahead and say your name and why you're calling.",
    ],
    'en-us+f3',
    165,
  ),
  other(
    'screening',
    'screen-2',
    ["Hi, if you record your name and reason for calling, I'll see if this person is available."],
    'en-us',
    160,
    { noise: 0.01 },
  ),
  other(
    'screening',
    'screen-3',
    ['Please state your name and the purpose of your call, and stay on the line.'],
    'en-gb-x-rp',
    150,
    { rate: 16000 },
  ),
  other(
    'screening',
    'screen-4',
    ['This call is being screened. Who is calling, and what are you calling about?'],
    'en-gb+m3',
    170,
  ),
  // Hard cases, kept in on purpose. A greeting that pauses like a person ("Hello?" … then the
  // message) fools every timing rule, ours included; a receptionist's long greeting is a person.
  vm('vm-hard-pause', '', 'en-us+m3', 160, {
    parts: ['Hello?', "Ha, got you. I'm not here right now, leave a message."],
    gapMs: 1500,
    ...beep(1000, 500),
  }),
  other(
    'human',
    'human-hard-receptionist',
    [
      "Good morning, thank you for calling Doctor Chen's office, this is Maria speaking, how can I help you today?",
    ],
    'en-us+f3',
    175,
  ),
  other(
    'screening',
    'screen-5',
    ['Hello, this is an automated assistant. Before I put you through, please say your name.'],
    'en-us-nyc+f4',
    175,
    { noise: 0.015 },
  ),
];
