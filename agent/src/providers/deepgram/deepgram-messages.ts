/**
 * Pure mapping of Deepgram Listen v1 server messages to our SttEvent (no sockets here).
 * Wire shapes: research/voice-agents.md §3.1.
 */
import type { SttEvent } from '../types.js';

type TranscriptEvent = Extract<SttEvent, { type: 'transcript' }>;

interface ResultsLike {
  type: 'Results';
  is_final?: boolean;
  speech_final?: boolean;
  from_finalize?: boolean;
  channel?: { alternatives?: { transcript?: string; confidence?: number }[] };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

function fromResults(msg: ResultsLike): TranscriptEvent | undefined {
  const best = msg.channel?.alternatives?.[0];
  const text = (best?.transcript ?? '').trim();
  const isFinal = msg.is_final === true;
  // Empty interims carry nothing; empty finals still matter (they answer Finalize, mark an endpoint).
  if (!isFinal && text === '') return undefined;
  const event: TranscriptEvent = {
    type: 'transcript',
    text,
    isFinal,
    speechFinal: msg.speech_final === true,
    fromFinalize: msg.from_finalize === true,
  };
  if (typeof best?.confidence === 'number') event.confidence = best.confidence;
  return event;
}

/** The SttEvent for one server message, or undefined for messages we do not surface (Metadata). */
export function sttEventFromDeepgram(msg: unknown): SttEvent | undefined {
  if (!isRecord(msg)) return undefined;
  switch (msg['type']) {
    case 'Results':
      return fromResults(msg as unknown as ResultsLike);
    case 'SpeechStarted':
      return { type: 'speech_started' };
    case 'UtteranceEnd':
      return { type: 'utterance_end' };
    default:
      return undefined;
  }
}

/** Deepgram's listen query wants strings for its boolean flags. */
export function flag(on: boolean): 'true' | 'false' {
  return on ? 'true' : 'false';
}
