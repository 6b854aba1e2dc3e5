/** Tunables of the conversation engine, with defaults that follow research voice-agents §2 and §6. */
import { TRANSFER_OUTCOME_MS } from './call-channel.js';

export interface ConversationTimeouts {
  sttConnectMs: number;
  ttsConnectMs: number;
  llmFirstTokenMs: number;
  llmIdleMs: number;
  ttsFirstAudioMs: number;
  /** Waiting for the telephony side's transferResult (longer than its own deadline, TRANSFER_OUTCOME_MS). */
  transferMs: number;
  /** close() waits at most this long for in-flight work before reporting the call ended. */
  closeMs: number;
}

export interface ConversationPhrases {
  /** Spoken when a provider fails mid-turn. */
  apology: string;
  /** Spoken before hanging up because STT is gone for good. */
  sttGoodbye: string;
  /** Spoken after a failed transfer if the model says nothing itself. */
  transferFailed: string;
}

/**
 * Engine-wide tunables. Turn-taking tunables that differ per agent (endpointing delays, false
 * interruption window, backchannel words) live in the profile's `turn` section instead.
 */
export interface ConversationOptions {
  /** After Finalize, how long to wait for the STT's final before using the interim text. */
  finalizeTimeoutMs: number;
  /** Caller sound with no words for this long while the reply is paused resumes it anyway (a TV). */
  maxWordlessPauseMs: number;
  /** Preemptive LLM starts allowed per caller turn (LiveKit: 3). */
  preemptiveMaxAttempts: number;
  /** DTMF digits are batched until this long after the last one (or '#'). */
  dtmfBatchMs: number;
  /** LLM calls per user turn, tool round-trips included. */
  maxToolSteps: number;
  /** A playout mark every this many ms of agent audio (0 = no marks). */
  markIntervalMs: number;
  /** Send → caller hears, measured on FreeSWITCH: 14 ms (research drachtio-freeswitch §8). */
  playoutStartLatencyMs: number;
  sttReconnectAttempts: number;
  sttReconnectBackoffMs: number;
  /** Caller audio kept to replay into a reconnected STT (since the last turn boundary). */
  sttReplayMs: number;
  /** After the STT broke mid-turn, the apology comes if no caller turn began this long after their speech. */
  sttRecoveryMs: number;
  timeouts: ConversationTimeouts;
  phrases: ConversationPhrases;
}

export const DEFAULT_CONVERSATION_OPTIONS: ConversationOptions = {
  finalizeTimeoutMs: 600,
  maxWordlessPauseMs: 4000,
  preemptiveMaxAttempts: 3,
  dtmfBatchMs: 1000,
  maxToolSteps: 3,
  markIntervalMs: 1000,
  playoutStartLatencyMs: 14,
  sttReconnectAttempts: 3,
  sttReconnectBackoffMs: 250,
  sttReplayMs: 10_000,
  sttRecoveryMs: 1500,
  timeouts: {
    sttConnectMs: 5000,
    ttsConnectMs: 5000,
    llmFirstTokenMs: 6000,
    llmIdleMs: 5000,
    ttsFirstAudioMs: 3000,
    transferMs: TRANSFER_OUTCOME_MS + 3000,
    closeMs: 1500,
  },
  phrases: {
    apology: "Sorry, I didn't catch that. Could you say it again?",
    sttGoodbye: "I'm sorry, I'm having trouble hearing you. Please call back later. Goodbye.",
    transferFailed: "Sorry, I couldn't transfer your call.",
  },
};

export type ConversationOptionsInput = Partial<Omit<ConversationOptions, 'timeouts' | 'phrases'>> & {
  timeouts?: Partial<ConversationTimeouts>;
  phrases?: Partial<ConversationPhrases>;
};

export function resolveOptions(input: ConversationOptionsInput = {}): ConversationOptions {
  const d = DEFAULT_CONVERSATION_OPTIONS;
  return {
    ...d,
    ...input,
    timeouts: { ...d.timeouts, ...input.timeouts },
    phrases: { ...d.phrases, ...input.phrases },
  };
}
