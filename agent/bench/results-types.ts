/** Shape of results/latest.json. */
import type { StepResult } from './load-step.js';
import type { MachineInfo } from './machine.js';
import type { SippRateResult } from './sipp.js';
import type { Summary } from './stats.js';

export interface ProviderLatencies {
  /** STT final after the endpoint (the fake's finalDelayMs). */
  sttFinalMs: number;
  llmFirstTokenMs: number;
  ttsFirstByteMs: number;
  /** Silence the STT waits before calling the endpoint (profile stt.endpointingMs). */
  endpointingMs: number;
}

export interface TurnsResult {
  calls: number;
  turns: number;
  voiceToVoiceMs: Summary;
  /** voice-to-voice − (endpointing + STT + LLM + TTS injected latencies). */
  agentShareMs: Summary;
  bargeInMs: Summary;
  bargeMissed: number;
  failures: string[];
  agentCpuPercent: number;
  /** The agent's own per-turn timings from its calls API (undefined if the API could not be read). */
  agentTimings?: Record<string, Summary>;
}

export interface SetupOfTarget {
  calls: number;
  setupMs: Summary;
  byeMs: Summary;
  failures: string[];
  sipp: SippRateResult[];
  /** Highest rate sipp held: no failed call, nothing retransmitted. */
  maxCallsPerSecond: number | undefined;
}

export interface SetupResult extends SetupOfTarget {
  /** The same measurements against Kamailio answering every INVITE with a static 200, on the same box. */
  reference?: SetupOfTarget & { server: string };
}

export interface DensityResult {
  steps: (StepResult & {
    agentShareP95Ms: number;
    /** (peak RSS − previous step's peak RSS) ÷ added calls. */
    marginalRssPerCallMb: number | undefined;
    held: boolean;
    verdict: string[];
  })[];
  stopReason: string;
  baselineP95Ms: number | undefined;
  /** Largest step that met every criterion. */
  maxCallsHeld: number | undefined;
  /** maxCallsHeld / the machine's cores (the caller and the fakes share those cores). */
  callsPerCore: number | undefined;
  /** maxCallsHeld / (agent CPU % / 100) at that step: calls one fully used core would carry. */
  callsPerAgentCore: number | undefined;
}

export interface ForkBenchResult {
  turns: number;
  agentShareMs: Summary;
  bargeInReactionMs: Summary;
  vadOnsetMs: number | undefined;
  note: string;
}

export interface BenchResults {
  date: string;
  mode: 'quick' | 'full';
  /** Which telephony back-end answered (embedded gateway, or the drachtio path against fakes). */
  telephony?: 'embedded' | 'drachtio';
  /** Embedded: the gateway's fork link to the agent (in-process, or the WebSocket as before). */
  forkLink?: 'in-process' | 'websocket';
  machine: MachineInfo;
  tools: Record<string, string>;
  loadAverage: { start: number[]; end: number[] };
  latencies: ProviderLatencies;
  durationS: number;
  turns?: TurnsResult;
  setup?: SetupResult;
  density?: DensityResult;
  floor?: { steps: StepResult[] };
  fork?: ForkBenchResult;
  notes: string[];
}
