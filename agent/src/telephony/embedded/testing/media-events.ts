/**
 * TEST-ONLY: MediaEvents for media-level tests, recording what the media raised. DTMF is looped the
 * way call control passes valid digits on (caller digit → the agent; the agent's digits → the caller),
 * so a media test sees the whole media path without a CallSession.
 */
import type { CallMedia, MediaEvents } from '../media-types.js';

export interface RecordedMediaEvents {
  events: MediaEvents;
  transfers: string[];
  hangups: string[];
  ended: string[];
}

export function recordMediaEvents(media: () => CallMedia | undefined = () => undefined): RecordedMediaEvents {
  const rec: RecordedMediaEvents = {
    transfers: [],
    hangups: [],
    ended: [],
    events: {
      onTransfer: (t) => void rec.transfers.push(t),
      onHangupRequested: (r) => void rec.hangups.push(r),
      onMediaEnded: (r) => void rec.ended.push(r),
      onDtmf: (digit, durationMs) =>
        media()?.notify({ type: 'dtmf', digit, ...(durationMs !== undefined ? { durationMs } : {}) }),
      onSendDtmf: (digits) => media()?.sendDtmf(digits),
    },
  };
  return rec;
}
