/**
 * switch_core_session_send_dtmf_string (switch_core_io.c): up to 99 characters, '+'-separated groups,
 * an optional "@ms" duration per group (default 2000 samples = 250 ms; below 50 ms ignored), digits
 * 0-9 * # A-D (either case) sent as RFC 4733; other characters skipped. The pauses 'w'/'W' and flash
 * 'F' are accepted by FreeSWITCH but not modelled here (skipped, logged by the caller).
 */
import { separateString } from '../api/separate-string.js';

export interface DtmfToSend {
  digit: string;
  /** 8 kHz units. */
  duration: number;
  /** Silence after the digit: rtp-digit-delay, 0 by default (the RTP sender still leaves one frame). */
  pauseMs: number;
}

const DEFAULT_DURATION = 2000;
const MIN_DURATION = 400;
const MAX_DURATION = 192_000;

export function parseDtmfString(input: string): DtmfToSend[] | undefined {
  let s = input;
  if (s.startsWith('~')) s = s.slice(1);
  if (s === '' || s.length > 99) return undefined;
  const out: DtmfToSend[] = [];
  for (const group of separateString(s, '+', 256)) {
    let duration = DEFAULT_DURATION;
    let digits = group;
    const at = group.indexOf('@');
    if (at >= 0) {
      digits = group.slice(0, at);
      const ms = Number.parseInt(group.slice(at + 1), 10) || 0;
      if (ms > MIN_DURATION / 8) duration = ms * 8;
    }
    duration = Math.min(MAX_DURATION, Math.max(MIN_DURATION, duration));
    for (const ch of digits) {
      if (/^[0-9*#A-Da-d]$/.test(ch)) out.push({ digit: ch.toUpperCase(), duration, pauseMs: 0 });
    }
  }
  return out.length > 0 ? out : undefined;
}
