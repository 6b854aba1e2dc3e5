/**
 * Issue 11 point 5 on the engine: every LLM call of a turn has its own time to first token (a turn
 * that begins with a tool call no longer reports the tool call's latency as the reply's), the stages
 * add up to voice-to-voice with `engine` the residual, and the turn's token usage is the sum of its calls'.
 */
import { describe, expect, it } from 'vitest';
import { startHarness } from '../testing/conversation-harness.js';
import { tokens } from '../testing/memory-providers.js';

const dtmf = { toolCalls: [{ id: 'd1', name: 'send_dtmf', arguments: '{"digits":"1"}' }] };

describe('Conversation: turn metrics', () => {
  it('a turn that begins with a tool call: a TTFT per LLM call, stages that add up, usage summed', async () => {
    const h = await startHarness({
      profile: { turn: { preemptiveGeneration: false } },
      llm: [
        [{ delayMs: 300 }, dtmf],
        [{ delayMs: 200 }, ...tokens('Done, I pressed one for you.')],
      ],
    });
    await h.untilListening();
    await h.say('Press one please.');
    await h.untilListening();
    const turn = h.observer.turns.find((t) => t.userText === 'Press one please.')!;
    expect(turn.llmCalls).toHaveLength(2);
    expect(turn.llmCalls!.map((c) => [c.toolCalls, c.ttftMs, c.outcome])).toEqual([
      [1, 300, 'done'],
      [0, 200, 'done'],
    ]);
    const t = turn.timings;
    const stages =
      t.endOfUtteranceDelayMs! + t.llmMs! + t.toolsMs! + t.chunkingMs! + t.ttsTtfbMs! + t.engineMs!;
    expect(stages).toBeCloseTo(t.voiceToVoiceMs!, 5);
    expect(t.llmMs).toBeGreaterThanOrEqual(500); // both calls before the first spoken words
    expect(t.engineMs).toBeGreaterThanOrEqual(0);
    const calls = turn.llmCalls!;
    expect(turn.usage).toEqual({
      promptTokens: calls[0]!.promptTokens! + calls[1]!.promptTokens!,
      completionTokens: calls[0]!.completionTokens! + calls[1]!.completionTokens!,
    });
    expect(turn.usage!.completionTokens).toBeGreaterThan(0);
  });
});
