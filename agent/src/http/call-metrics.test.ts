import { describe, expect, it } from 'vitest';
import { register as globalRegistry } from 'prom-client';
import type { CallEndReason, TurnRecord } from '../conversation/call-record.js';
import { CallMetrics } from './call-metrics.js';

const turn = (interrupted: boolean, timings: TurnRecord['timings']): TurnRecord => ({
  callId: 'c1',
  index: 0,
  userText: 'hi',
  agentText: 'hello',
  interrupted,
  toolCalls: [],
  timings,
  startedAt: new Date(0),
  endedAt: new Date(1),
});

const start = (m: CallMetrics, callId: string, profile: string) =>
  m.callStarted({ callId, from: 'a', to: 'b', profile, source: 'test', startedAt: new Date() });

describe('CallMetrics', () => {
  it('observes each turn timing in seconds and counts turns by interruption', async () => {
    const m = new CallMetrics({ defaultMetrics: false });
    m.turnCompleted(turn(false, { voiceToVoiceMs: 500, llmTtftMs: 300, sttDelayMs: 80 }));
    m.turnCompleted(turn(true, { voiceToVoiceMs: 1250, endOfUtteranceDelayMs: 40, ttsTtfbMs: 95 }));
    const text = await m.registry.metrics();
    expect(text).toContain('switchboard_turn_voice_to_voice_seconds_sum 1.75');
    expect(text).toContain('switchboard_turn_voice_to_voice_seconds_count 2');
    expect(text).toContain('switchboard_turn_voice_to_voice_seconds_bucket{le="0.4"} 0');
    expect(text).toContain('switchboard_turn_voice_to_voice_seconds_bucket{le="0.5"} 1');
    expect(text).toContain('switchboard_turn_voice_to_voice_seconds_bucket{le="1.5"} 2');
    expect(text).toContain('switchboard_turn_voice_to_voice_seconds_bucket{le="1"} 1');
    expect(text).toContain('switchboard_turn_llm_ttft_seconds_sum 0.3');
    expect(text).toContain('switchboard_turn_stt_delay_seconds_count 1');
    expect(text).toContain('switchboard_turn_end_of_utterance_delay_seconds_bucket{le="0.05"} 1');
    expect(text).toContain('switchboard_turn_tts_ttfb_seconds_bucket{le="0.1"} 1');
    expect(text).toContain('switchboard_turns_total{interrupted="false"} 1');
    expect(text).toContain('switchboard_turns_total{interrupted="true"} 1');
  });

  it('observes every LLM call of a turn (a tool call first, then the reply) and the tokens used', async () => {
    const m = new CallMetrics({ defaultMetrics: false });
    m.turnCompleted({
      ...turn(false, { llmTtftMs: 300 }),
      llmCalls: [
        { model: 'm', ttftMs: 300, toolCalls: 1, outcome: 'done', promptTokens: 50, completionTokens: 10 },
        { model: 'm', ttftMs: 200, toolCalls: 0, outcome: 'done', promptTokens: 70, completionTokens: 6 },
      ],
      usage: { promptTokens: 120, completionTokens: 16 },
    });
    const text = await m.registry.metrics();
    expect(text).toContain('switchboard_llm_call_ttft_seconds_sum{tool_call="true"} 0.3');
    expect(text).toContain('switchboard_llm_call_ttft_seconds_sum{tool_call="false"} 0.2');
    expect(text).toContain('switchboard_llm_tokens_total{kind="prompt"} 120');
    expect(text).toContain('switchboard_llm_tokens_total{kind="completion"} 16');
  });

  it('tracks active calls, counts ended calls by profile and reason, and provider errors', async () => {
    const m = new CallMetrics({ defaultMetrics: false });
    start(m, 'c1', 'sales');
    start(m, 'c2', 'support');
    start(m, 'c2', 'support'); // duplicate start does not double-count
    expect(await m.registry.getSingleMetricAsString('switchboard_active_calls')).toContain(
      'switchboard_active_calls 2',
    );
    m.live('c1', { type: 'error', stage: 'tts', code: 'timeout' });
    m.live('c1', { type: 'state', state: 'speaking' });
    m.callEnded({ callId: 'c1', endedAt: new Date(), reason: 'caller_hangup' });
    m.callEnded({ callId: 'c9', endedAt: new Date(), reason: 'weird reason!' as CallEndReason });
    const text = await m.registry.metrics();
    expect(text).toContain('switchboard_active_calls 1');
    expect(text).toContain('switchboard_calls_total{profile="sales",end_reason="caller_hangup"} 1');
    expect(text).toContain('switchboard_calls_total{profile="unknown",end_reason="weird_reason_"} 1');
    expect(text).toContain('switchboard_provider_errors_total{stage="tts",code="timeout"} 1');
  });

  it('uses its own registry with default process metrics, never the global one', async () => {
    const a = new CallMetrics();
    const b = new CallMetrics(); // a second instance must not clash on metric names
    expect(await a.registry.metrics()).toContain('process_cpu_user_seconds_total');
    expect(await b.registry.metrics()).toContain('nodejs_heap_size_total_bytes');
    expect(await globalRegistry.metrics()).not.toContain('switchboard_');
  });
});
