/** What a tool needs from the call, and what it returns to the LLM. */
import type { Clock } from '../../time/clock.js';
import type { AgentProfile } from '../../config/profile-schema.js';
import type { Logger } from '../../log.js';
import type { ToolSpec } from '../../providers/types.js';
import type { CallChannel } from '../call-channel.js';

export interface TransferOutcome {
  ok: boolean;
  status: number;
  reason?: string;
}

export interface ToolContext {
  channel: CallChannel;
  profile: AgentProfile;
  clock: Clock;
  log: Logger;
  /** The turn's signal: aborted at barge-in or close. */
  signal: AbortSignal;
  /** Resolves with the next transferResult event from the telephony side (bounded by the caller). */
  awaitTransferResult(signal: AbortSignal): Promise<TransferOutcome>;
}

export interface ToolOutcome {
  /** Text for the LLM (a tool message). Errors are results too: `{"error": …}`. */
  result: string;
  /** end_call: hang up after the goodbye plays; transferred: the call is leaving us. */
  action?: 'end_call' | 'transferred';
}

export interface Tool {
  spec: ToolSpec;
  run(rawArguments: string, ctx: ToolContext): Promise<ToolOutcome>;
}

export function errorResult(message: string): ToolOutcome {
  return { result: JSON.stringify({ error: message }) };
}

/** Parse the model's argument JSON; a non-object is an error the LLM gets back. */
export function parseArguments(raw: string): Record<string, unknown> | undefined {
  if (raw.trim() === '') return {};
  try {
    const v: unknown = JSON.parse(raw);
    return v !== null && typeof v === 'object' && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
