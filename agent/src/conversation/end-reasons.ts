/**
 * Why a call ended, as the conversation engine decides it: one vocabulary, stored as the call
 * record's end_reason and used as the /metrics label. Telephony adds its own (caller_hangup,
 * protocol_error…); these are the engine's, to merge into the shared call-control vocabulary.
 */
export const ENGINE_END_REASONS = {
  /** The agent ended the call (the end_call tool). */
  agentHangup: 'agent_hangup',
  /** A transfer went through. */
  transferred: 'transferred',
  /** The STT could not be (re)connected: goodbye, then hang up. */
  sttFailed: 'stt_failed',
  /** The STT stayed connected but deaf (the watchdog's reconnects got nothing): goodbye, hang up. */
  sttDead: 'stt_dead',
  /** The profile's backstops.maxCallDurationS ran out: goodbye, hang up. */
  maxDuration: 'max_duration',
  /** The caller stayed silent past backstops.idleHangupS: goodbye, hang up. */
  callerIdle: 'caller_idle',
  /** The fork socket went silent (no audio, no pong) past SWITCHBOARD_FORK_PING_TIMEOUT_S. */
  forkTimeout: 'fork_timeout',
  /** The agent process is shutting down. */
  agentShutdown: 'shutdown',
} as const;

export type EngineEndReason = (typeof ENGINE_END_REASONS)[keyof typeof ENGINE_END_REASONS];
