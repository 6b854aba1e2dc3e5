/** Server → client messages of Deepgram Listen v1, as the real service sends them (research §3.1). */
import { randomUUID } from 'node:crypto';

export interface ResultsArgs {
  requestId: string;
  text: string;
  startMs: number;
  endMs: number;
  isFinal: boolean;
  speechFinal: boolean;
  fromFinalize: boolean;
}

function words(text: string, startMs: number, endMs: number): Record<string, unknown>[] {
  const parts = text.split(/\s+/).filter(Boolean);
  const step = parts.length ? (endMs - startMs) / parts.length : 0;
  return parts.map((p, i) => ({
    word: p.toLowerCase().replace(/[^\p{L}\p{N}']/gu, ''),
    start: (startMs + i * step) / 1000,
    end: (startMs + (i + 1) * step) / 1000,
    confidence: 0.98,
    punctuated_word: p,
  }));
}

export function resultsMessage(a: ResultsArgs): Record<string, unknown> {
  return {
    type: 'Results',
    channel_index: [0, 1],
    duration: (a.endMs - a.startMs) / 1000,
    start: a.startMs / 1000,
    is_final: a.isFinal,
    speech_final: a.speechFinal,
    from_finalize: a.fromFinalize,
    channel: {
      alternatives: [
        { transcript: a.text, confidence: a.text ? 0.98 : 0, words: words(a.text, a.startMs, a.endMs) },
      ],
    },
    metadata: {
      request_id: a.requestId,
      model_info: { name: 'general-nova-3', version: '2025-01-01.0', arch: 'nova-3' },
      model_uuid: '00000000-0000-4000-8000-000000000003',
    },
  };
}

export function speechStartedMessage(atMs: number): Record<string, unknown> {
  return { type: 'SpeechStarted', channel: [0, 1], timestamp: atMs / 1000 };
}

export function utteranceEndMessage(lastWordEndMs: number): Record<string, unknown> {
  return { type: 'UtteranceEnd', channel: [0, 1], last_word_end: lastWordEndMs / 1000 };
}

export function metadataMessage(requestId: string, durationMs: number): Record<string, unknown> {
  return {
    type: 'Metadata',
    transaction_key: 'deprecated',
    request_id: requestId,
    sha256: '0'.repeat(64),
    created: new Date().toISOString(),
    duration: durationMs / 1000,
    channels: 1,
    models: [randomUUID()],
  };
}

/** The words of `text` Deepgram would have recognised after `fraction` of the utterance. */
export function interimPrefix(text: string, fraction: number): string {
  const parts = text.split(/\s+/).filter(Boolean);
  const n = Math.max(1, Math.min(parts.length, Math.ceil(parts.length * fraction)));
  return parts.slice(0, n).join(' ');
}
