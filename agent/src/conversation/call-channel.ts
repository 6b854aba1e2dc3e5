/**
 * What the conversation engine sees of a call: the fork protocol's commands, without the socket.
 * The fork server implements it over a WebSocket; tests implement it in memory.
 */
import type { Pcm16 } from '../audio/pcm.js';
import type { CallEndReason } from './call-record.js';

/**
 * The telephony side answers every transfer() with a transferResult within this long: its call
 * control (telephony/calls) reports a failure at this deadline if the far end has not settled it. The
 * conversation waits a little longer (conversation-options), so it never gives up on a transfer the
 * telephony side can still complete. 64·T1: no REFER transaction outlives it.
 */
export const TRANSFER_OUTCOME_MS = 32_000;

export interface CallMetadata {
  callId: string;
  from: string;
  to: string;
  /** Agent profile chosen by routing; absent means "route by `to`". */
  profile?: string;
  /** Rate of the caller audio in binary frames. */
  sampleRate: 8000 | 16000;
  /** Rate the media side expects agent audio at (bidirectionalAudio sampleRate). */
  playbackSampleRate: number;
  /** Codec of the call leg, informational (PCMU, PCMA, OPUS, …). */
  codec?: string;
  /** Which back-end produced the fork (embedded, drachtio). */
  source?: string;
  /** Any other fields the sender put in, kept for the call record. */
  extra: Record<string, unknown>;
}

export interface CallChannel {
  readonly metadata: CallMetadata;
  /** Agent audio at metadata.playbackSampleRate, sent as soon as it exists; the media side paces it. */
  sendAudio(pcm: Pcm16): void;
  /** Barge-in: flush whatever the media side has buffered. */
  killAudio(): void;
  mark(name: string): void;
  clearMarks(): void;
  /** Blind transfer to a SIP URI that came from the profile. Outcome arrives as a transferResult. */
  transfer(target: string): void;
  /** Send DTMF digits to the caller. */
  sendDtmf(digits: string): void;
  /** Ask the telephony side to hang up, then close the fork. */
  hangup(reason: CallEndReason): void;
}

/** Events from the telephony side, after the metadata. */
export type CallEvent =
  | { type: 'dtmf'; digit: string; durationMs?: number }
  | { type: 'mark'; name: string; event: 'playout' | 'cleared' }
  | { type: 'transferResult'; ok: boolean; status: number; reason?: string }
  | { type: 'hangup'; reason: CallEndReason };

/** The engine side of a call, driven by the fork session. */
export interface CallHandler {
  /** Caller audio at metadata.sampleRate. */
  onAudio(pcm: Pcm16): void;
  onEvent(event: CallEvent): void;
  /** The fork closed (hangup or shutdown); resolves when the record is saved. Idempotent. */
  close(reason: CallEndReason): Promise<void>;
}
