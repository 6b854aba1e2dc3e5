/**
 * What the conversation reports about a call, as it happens: to the store (records), to metrics
 * (Prometheus) and to live listeners (the softphone's agent panel). Implementations live in
 * store/ and http/; the engine only sees these interfaces.
 */
import type { TokenUsage } from '../providers/types.js';

export type { TokenUsage } from '../providers/types.js';

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
  /**
   * The stages of voiceToVoiceMs after the end-of-turn decision, back to back: waiting on LLM calls
   * (every call before the first spoken text), tools run before it, clause chunking (first token →
   * first text to TTS), ttsTtfbMs, and `engineMs`, the rest — our own share (turn hand-over, history,
   * connection checks). endOfUtteranceDelayMs + llmMs + toolsMs + chunkingMs + ttsTtfbMs + engineMs
   * = voiceToVoiceMs.
   */
  llmMs?: number;
  toolsMs?: number;
  chunkingMs?: number;
  engineMs?: number;
}

/** One LLM call of a turn (a tool round-trip makes another). */
export interface LlmCallRecord {
  model: string;
  /** Request → first event (a token, or the first fragment of a tool call). */
  ttftMs?: number;
  /** Request → end of the stream. */
  durationMs?: number;
  toolCalls: number;
  outcome: 'done' | 'failed' | 'cancelled';
  promptTokens?: number;
  completionTokens?: number;
}

/**
 * A provider fault during the turn and what was done about it: retried / fell_back / reconnected
 * (recovered, the caller heard a normal answer), apologized (the caller heard the apology),
 * gave_up (no attempt left), reprompted (backstop).
 */
export interface TurnFault {
  stage: 'stt' | 'llm' | 'tts' | 'fork';
  code: string;
  action: 'retried' | 'fell_back' | 'reconnected' | 'gave_up' | 'apologized' | 'watchdog';
  /** The route that failed (endpoint:model or voice), when the stage has routes. */
  route?: string;
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
  /** Every LLM call of the turn, in order (absent when the turn made none). */
  llmCalls?: LlmCallRecord[];
  /** Tokens of all the turn's LLM calls, as the vendor counted them. */
  usage?: TokenUsage;
  /** Provider faults the turn met (absent when none). */
  faults?: TurnFault[];
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
  /** The SIP session timer ran out (RFC 4028): our refresh got 408/481 or no answer, or the caller stopped refreshing. */
  'session_expired',
  /** The fork broke its protocol. */
  'protocol_error',
  /** The agent or the gateway is shutting down. */
  'shutdown',
  /** The STT stayed connected but deaf (the watchdog's reconnects got nothing): goodbye, hang up. */
  'stt_dead',
  /** The profile's backstops.maxCallDurationS ran out: goodbye, hang up. */
  'max_duration',
  /** The caller stayed silent past backstops.idleHangupS: goodbye, hang up. */
  'caller_idle',
  /** The fork socket went silent (no audio, no pong) past SWITCHBOARD_FORK_PING_TIMEOUT_S. */
  'fork_timeout',
  /** Outbound: the callee was busy (486, 600). */
  'busy',
  /** Outbound: nobody answered before the ring timeout (or the far end gave up: 408, 480). */
  'no_answer',
  /** Outbound: the call could not be placed (any other final response, or no response). */
  'call_failed',
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

/** Who ended a call: the remote party (caller of an inbound call, callee of an outbound one), the agent, the API or the system. */
export type HangupSide = 'caller' | 'callee' | 'agent' | 'api' | 'system';

export type CallDirection = 'inbound' | 'outbound';

/** Who ended a call, from its end reason: the remote party, the agent, or the system. */
export function hangupSideOf(reason: CallEndReason, direction: CallDirection): HangupSide {
  switch (reason) {
    case 'caller_hangup':
      return direction === 'outbound' ? 'callee' : 'caller';
    case 'busy':
      return 'callee';
    case 'cancelled':
      return direction === 'outbound' ? 'api' : 'caller';
    case 'agent_hangup':
    case 'transferred':
    case 'max_duration':
    case 'caller_idle':
    case 'stt_failed':
    case 'stt_dead':
      return 'agent';
    default:
      return 'system';
  }
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
  | { type: 'error'; stage: 'stt' | 'llm' | 'tts' | 'tool'; code: string }
  /** A provider fault the engine handled (retry, fallback, reconnect, watchdog). */
  | { type: 'fault'; fault: TurnFault };

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
