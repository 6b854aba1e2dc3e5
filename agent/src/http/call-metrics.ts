/**
 * Prometheus metrics for calls and turns, on a registry of their own (never prom-client's global one),
 * plus the default Node process metrics. Implements CallObserver.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type {
  CallEndInfo,
  CallObserver,
  CallStartInfo,
  LiveEvent,
  TurnRecord,
  TurnTimings,
} from '../conversation/call-record.js';

/** Seconds; dense where voice agents live (0.1–1 s), reaching 5 s for slow providers. */
export const TURN_LATENCY_BUCKETS = [
  0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1, 1.5, 2, 3, 5,
];

const TIMING_HISTOGRAMS: Record<keyof TurnTimings, { name: string; help: string }> = {
  endOfUtteranceDelayMs: {
    name: 'switchboard_turn_end_of_utterance_delay_seconds',
    help: "Caller's end of speech to the end-of-turn decision",
  },
  sttDelayMs: {
    name: 'switchboard_turn_stt_delay_seconds',
    help: "Caller's end of speech to the final transcript",
  },
  llmTtftMs: { name: 'switchboard_turn_llm_ttft_seconds', help: 'LLM request to first token' },
  ttsTtfbMs: {
    name: 'switchboard_turn_tts_ttfb_seconds',
    help: 'First text pushed to TTS to first audio byte',
  },
  voiceToVoiceMs: {
    name: 'switchboard_turn_voice_to_voice_seconds',
    help: "Caller's end of speech to the first agent audio frame sent to the media side",
  },
  llmMs: {
    name: 'switchboard_turn_stage_llm_seconds',
    help: 'Voice-to-voice stage: waiting on LLM calls before the first spoken text',
  },
  toolsMs: {
    name: 'switchboard_turn_stage_tools_seconds',
    help: 'Voice-to-voice stage: tools run before the first spoken text',
  },
  chunkingMs: {
    name: 'switchboard_turn_stage_chunking_seconds',
    help: 'Voice-to-voice stage: first token to the first clause handed to TTS',
  },
  engineMs: {
    name: 'switchboard_turn_stage_engine_seconds',
    help: "Voice-to-voice stage: the engine's own share (what the other stages leave)",
  },
};

/** Bounded label values: end reasons are open-ended strings, so keep them short and tidy. */
const label = (v: string): string => v.replace(/[^\w.-]/g, '_').slice(0, 48) || 'unknown';

export interface CallMetricsOptions {
  /** Defaults to a new Registry. */
  registry?: Registry;
  /** Also collect prom-client's default process/Node metrics into the registry (default true). */
  defaultMetrics?: boolean;
}

export class CallMetrics implements CallObserver {
  readonly registry: Registry;
  private readonly timings: Record<keyof TurnTimings, Histogram>;
  private readonly calls: Counter<'profile' | 'end_reason'>;
  private readonly turns: Counter<'interrupted'>;
  private readonly providerErrors: Counter<'stage' | 'code'>;
  private readonly faults: Counter<'stage' | 'action' | 'code'>;
  private readonly tokens: Counter<'kind'>;
  private readonly llmCallTtft: Histogram<'tool_call'>;
  private readonly active: Gauge;
  private readonly profiles = new Map<string, string>();

  constructor(options: CallMetricsOptions = {}) {
    const registry = (this.registry = options.registry ?? new Registry());
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
    const histogram = (key: keyof TurnTimings) =>
      new Histogram({ ...TIMING_HISTOGRAMS[key], buckets: TURN_LATENCY_BUCKETS, registers: [registry] });
    this.timings = Object.fromEntries(
      (Object.keys(TIMING_HISTOGRAMS) as (keyof TurnTimings)[]).map((k) => [k, histogram(k)]),
    ) as Record<keyof TurnTimings, Histogram>;
    this.faults = new Counter({
      name: 'switchboard_provider_faults_total',
      help: 'Provider faults the engine handled (retried, fell_back, reconnected, watchdog, gave_up), by stage and code',
      labelNames: ['stage', 'action', 'code'],
      registers: [registry],
    });
    this.tokens = new Counter({
      name: 'switchboard_llm_tokens_total',
      help: 'LLM tokens used by calls, as the vendor counted them, by kind (prompt or completion)',
      labelNames: ['kind'],
      registers: [registry],
    });
    this.llmCallTtft = new Histogram({
      name: 'switchboard_llm_call_ttft_seconds',
      help: 'Each LLM call: request to its first event; tool_call="true" when the call answered with a tool call',
      labelNames: ['tool_call'],
      buckets: TURN_LATENCY_BUCKETS,
      registers: [registry],
    });
    this.calls = new Counter({
      name: 'switchboard_calls_total',
      help: 'Calls ended, by agent profile and end reason',
      labelNames: ['profile', 'end_reason'],
      registers: [registry],
    });
    this.turns = new Counter({
      name: 'switchboard_turns_total',
      help: 'Turns completed, by whether the caller barged in',
      labelNames: ['interrupted'],
      registers: [registry],
    });
    this.providerErrors = new Counter({
      name: 'switchboard_provider_errors_total',
      help: 'Provider and tool failures during calls, by stage and stable error code',
      labelNames: ['stage', 'code'],
      registers: [registry],
    });
    this.active = new Gauge({
      name: 'switchboard_active_calls',
      help: 'Calls in progress',
      registers: [registry],
    });
  }

  callStarted(info: CallStartInfo): void {
    if (this.profiles.has(info.callId)) return;
    this.profiles.set(info.callId, info.profile);
    this.active.inc();
  }

  turnCompleted(turn: TurnRecord): void {
    this.turns.inc({ interrupted: String(turn.interrupted) });
    for (const key of Object.keys(this.timings) as (keyof TurnTimings)[]) {
      const ms = turn.timings[key];
      if (typeof ms === 'number' && Number.isFinite(ms) && ms >= 0) this.timings[key].observe(ms / 1000);
    }
    for (const c of turn.llmCalls ?? []) {
      if (c.ttftMs !== undefined)
        this.llmCallTtft.observe({ tool_call: String(c.toolCalls > 0) }, c.ttftMs / 1000);
    }
    if (turn.usage) {
      this.tokens.inc({ kind: 'prompt' }, turn.usage.promptTokens);
      this.tokens.inc({ kind: 'completion' }, turn.usage.completionTokens);
    }
  }

  live(_callId: string, event: LiveEvent): void {
    if (event.type === 'error') this.providerErrors.inc({ stage: event.stage, code: label(event.code) });
    if (event.type === 'fault')
      this.faults.inc({
        stage: event.fault.stage,
        action: event.fault.action,
        code: label(event.fault.code),
      });
  }

  /** Counted once per call; an end for a call never started is counted with profile "unknown". */
  callEnded(info: CallEndInfo): void {
    const profile = this.profiles.get(info.callId);
    if (profile !== undefined) {
      this.profiles.delete(info.callId);
      this.active.dec();
    }
    this.calls.inc({ profile: label(profile ?? 'unknown'), end_reason: label(info.reason) });
  }
}
