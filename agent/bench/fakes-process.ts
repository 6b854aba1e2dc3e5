/**
 * Child process: the Deepgram, OpenAI and Cartesia fakes at the benchmark's fixed latencies, on fixed
 * loopback ports. Prints one JSON line {ready, pid, env} with the variables that point the agent here.
 * Input: BENCH_FAKES = JSON {sttFinalMs, llmFirstTokenMs, ttsFirstByteMs, host, ports}.
 */
import { startFakeProviders } from '../src/testing/fakes/fake-providers.js';
import { BARGE_SENTENCE, CALLER_SENTENCES } from './fixtures.js';

interface FakesInput {
  sttFinalMs: number;
  llmFirstTokenMs: number;
  ttsFirstByteMs: number;
  host: string;
  ports: { deepgram: number; openai: number; cartesia: number };
  replies?: 'short-first' | 'natural';
}

/**
 * Replies open with a one-word sentence, so the first text piece reaches TTS with the first token and
 * the LLM's own streaming pace does not count as ours; each is ~1.2 s of audio at the fake's 55 ms
 * per character: long enough to barge into, short enough for 100 turns in a few minutes.
 */
export const BENCH_REPLIES = [
  'Sure. We open at nine.',
  'Okay. Booked for eight.',
  'Right. It ships Friday.',
  'Yes. Parking is free.',
  'Great. Have a nice day.',
];

/**
 * `--replies natural`: replies with no punctuation in their first words, as LLMs often answer, so the
 * time the agent holds tokens before the first text goes to TTS is part of what is measured.
 */
export const NATURAL_REPLIES = [
  'We open at nine every weekday morning.',
  'Your table for eight is booked tonight.',
  'The parcel ships this Friday by courier.',
  'Parking is free for all our visitors.',
  'Have a nice day and thanks for calling.',
];

const input = JSON.parse(process.env.BENCH_FAKES ?? '{}') as FakesInput;
const fakes = await startFakeProviders(
  {
    deepgram: {
      utterances: [...CALLER_SENTENCES, BARGE_SENTENCE],
      loop: true,
      finalDelayMs: input.sttFinalMs,
    },
    openai: {
      replies: (input.replies === 'natural' ? NATURAL_REPLIES : BENCH_REPLIES).map((text) => ({ text })),
      loop: true,
      firstTokenMs: input.llmFirstTokenMs,
      interTokenMs: 20,
    },
    cartesia: { firstByteMs: input.ttsFirstByteMs },
  },
  { host: input.host, ports: input.ports },
);
console.log(JSON.stringify({ ready: true, pid: process.pid, env: fakes.env }));
const stop = (): void => void fakes.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('close', stop).resume();
