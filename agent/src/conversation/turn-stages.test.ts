/** Issue 11 point 5: a turn's stages add up to its voice-to-voice time, with `engine` the residual. */
import { describe, expect, it } from 'vitest';
import { turnStages, type StageMarks } from './turn-stages.js';

const sum = (s: ReturnType<typeof turnStages>) =>
  (s.llmMs ?? 0) + (s.toolsMs ?? 0) + (s.chunkingMs ?? 0) + (s.engineMs ?? 0);

describe('turnStages', () => {
  it('a turn that begins with a tool call: both LLM calls, the tool, chunking, TTS and the engine residual add up', () => {
    const m: StageMarks = {
      speechEndedAt: 500,
      decidedAt: 800, // end-of-utterance delay 300
      llmCalls: [
        { model: 'm', requestAt: 1000, firstEventAt: 1300, endedAt: 1500, toolCalls: 1, outcome: 'done' },
        { model: 'm', requestAt: 1900, firstEventAt: 2100, firstTextAt: 2100, endedAt: 2600, toolCalls: 0 },
      ],
      toolRuns: [{ startAt: 1500, endAt: 1900 }],
      firstTextPushedAt: 2150,
      firstAudioAt: 2300,
    };
    const s = turnStages(m);
    expect(s).toEqual({ llmMs: 700, toolsMs: 400, chunkingMs: 50, engineMs: 200 });
    const eou = 300;
    const tts = 2300 - 2150;
    expect(eou + sum(s) + tts).toBe(2300 - 500); // = voice-to-voice
  });

  it('a preemptive LLM call started before the decision counts only from the decision', () => {
    const s = turnStages({
      speechEndedAt: 1000,
      decidedAt: 1400,
      llmCalls: [{ model: 'm', requestAt: 1100, firstEventAt: 1500, firstTextAt: 1500, toolCalls: 0 }],
      toolRuns: [],
      firstTextPushedAt: 1520,
      firstAudioAt: 1600,
    });
    expect(s).toEqual({ llmMs: 100, toolsMs: 0, chunkingMs: 20, engineMs: 0 });
    expect(400 + sum(s) + 80).toBe(600);
  });

  it('nothing to split when the turn was never heard', () => {
    expect(
      turnStages({
        speechEndedAt: 0,
        decidedAt: 10,
        llmCalls: [],
        toolRuns: [],
        firstTextPushedAt: undefined,
        firstAudioAt: undefined,
      }),
    ).toEqual({});
  });
});
