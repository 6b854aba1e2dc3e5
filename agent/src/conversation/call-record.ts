/**
 * What the conversation reports about a call, as it happens: to the store (records), to metrics
 * (Prometheus) and to live listeners (the softphone's agent panel). Implementations live in
 * store/ and http/; the engine only sees these interfaces.
 */

export interface CallStartInfo {
  callId: string;
  from: string;
  to: string;
  profile: string;
  source: string;
  startedAt: Date;
}

/** Per-turn timings in ms; undefined when the stage did not run (e.g. no LLM on a DTMF-only turn). */
export interface TurnTimings {
  /** Caller's end of speech (VAD) → our end-of-turn decision. */
  endOfUtteranceDelayMs?: number;
  /** Caller's end of speech → final transcript. */
  sttDelayMs?: number;
  /** LLM request → first token. */
  llmTtftMs?: number;
  /** First text pushed to TTS → first audio byte. */
  ttsTtfbMs?: number;
  /** Caller's end of speech → first agent audio frame sent to the media side. */
  voiceToVoiceMs?: number;
}

/** A reply prepared on the likely end of the caller's turn: used as is, or thrown away (the final text differed). */
export type PreemptiveOutcome = 'used' | 'discarded';

export interface TurnRecord {
  callId: string;
  index: number;
  userText: string;
  /** What the caller actually heard of the reply (trimmed at barge-in). */
  agentText: string;
  interrupted: boolean;
  toolCalls: { name: string; arguments: string; result: string }[];
  timings: TurnTimings;
  /** Set when a preemptive reply was prepared for this turn. */
  preemptive?: PreemptiveOutcome;
  startedAt: Date;
  endedAt: Date;
}

/**
 * Why a call ended: one vocabulary for the call record (store, metrics, live events) and for the
 * telephony side's call control (telephony/calls), whichever back-end carried the call.
 */
export const CALL_END_REASONS = [
  /** The caller hung up (BYE), or the media side ended the call for the caller. */
  'caller_hangup',
  /** The caller gave up before the call was answered (CANCEL). */
  'cancelled',
  /** The agent hung up (end_call, or a fork `disconnect`). */
  'agent_hangup',
  /** The caller was handed to another party (REFER accepted and completed). */
  'transferred',
  /** Speech-to-text was gone for good; the agent said goodbye. */
  'stt_failed',
  /** The agent could not be reached (the fork did not connect or broke). */
  'fork_failed',
  /** No media from the caller for the RTP timeout (not on hold). */
  'media_timeout',
  /** The media half went away (FreeSWITCH lost the channel, RTP or WebRTC failed to start). */
  'media_lost',
  /** The caller can no longer be reached: its TCP/WebSocket flow closed, or it never ACKed our 200. */
  'signalling_lost',
  /** The fork broke its protocol. */
  'protocol_error',
  /** The agent or the gateway is shutting down. */
  'shutdown',
  'error',
] as const;

export type CallEndReason = (typeof CALL_END_REASONS)[number];

/** Words other senders (and older versions) put on the wire for the same ends. */
const ALIASES: Record<string, CallEndReason> = {
  hangup: 'caller_hangup',
  normal_clearing: 'caller_hangup',
  agent_disconnect: 'agent_hangup',
  end_call: 'agent_hangup',
  agent_shutdown: 'shutdown',
  rtp_timeout: 'media_timeout',
  caller_flow_closed: 'signalling_lost',
};

/** A reason as the record keeps it: known words as they are, aliases mapped, anything else `fallback`. */
export function endReasonOf(text: string | undefined, fallback: CallEndReason): CallEndReason {
  if (text === undefined) return fallback;
  const t = text.trim().toLowerCase();
  if ((CALL_END_REASONS as readonly string[]).includes(t)) return t as CallEndReason;
  return ALIASES[t] ?? fallback;
}

export interface CallEndInfo {
  callId: string;
  endedAt: Date;
  reason: CallEndReason;
}

export type AgentState = 'listening' | 'thinking' | 'speaking' | 'ended';

/** Live events for one call, for the events API. */
export type LiveEvent =
  | { type: 'state'; state: AgentState }
  | { type: 'transcript'; role: 'user' | 'agent'; text: string; final: boolean }
  | { type: 'turn'; turn: TurnRecord }
  | { type: 'dtmf'; digit: string }
  | { type: 'tool'; name: string; arguments: string; result: string }
  | { type: 'error'; stage: 'stt' | 'llm' | 'tts' | 'tool'; code: string };

export interface CallObserver {
  callStarted(info: CallStartInfo): void;
  turnCompleted(turn: TurnRecord): void;
  live(callId: string, event: LiveEvent): void;
  callEnded(info: CallEndInfo): void;
}

/** Fans one report out to several observers (store, metrics, live bus); one failing never stops the others. */
export function combineObservers(observers: CallObserver[], onError: (err: unknown) => void): CallObserver {
  const each = (fn: (o: CallObserver) => void) => {
    for (const o of observers) {
      try {
        fn(o);
      } catch (err) {
        onError(err);
      }
    }
  };
  return {
    callStarted: (i) => each((o) => o.callStarted(i)),
    turnCompleted: (t) => each((o) => o.turnCompleted(t)),
    live: (id, e) => each((o) => o.live(id, e)),
    callEnded: (i) => each((o) => o.callEnded(i)),
  };
}
