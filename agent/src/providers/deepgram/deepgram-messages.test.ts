import { describe, expect, it } from 'vitest';
import { sttEventFromDeepgram } from './deepgram-messages.js';

// Shapes as Deepgram sends them (research/voice-agents.md §3.1).
const results = (transcript: string, extra: Record<string, unknown>) => ({
  type: 'Results',
  channel_index: [0, 1],
  duration: 1.2,
  start: 0.5,
  channel: { alternatives: [{ transcript, confidence: 0.91, words: [] }] },
  metadata: { request_id: 'r', model_info: { name: 'n', version: 'v', arch: 'a' }, model_uuid: 'u' },
  ...extra,
});

describe('sttEventFromDeepgram', () => {
  it('maps an interim', () => {
    expect(sttEventFromDeepgram(results('hello', { is_final: false, speech_final: false }))).toEqual({
      type: 'transcript',
      text: 'hello',
      isFinal: false,
      speechFinal: false,
      fromFinalize: false,
      confidence: 0.91,
    });
  });

  it('maps a speech_final and a from_finalize final', () => {
    expect(sttEventFromDeepgram(results('hi there', { is_final: true, speech_final: true }))).toMatchObject({
      isFinal: true,
      speechFinal: true,
      fromFinalize: false,
    });
    expect(sttEventFromDeepgram(results('hi', { is_final: true, from_finalize: true }))).toMatchObject({
      isFinal: true,
      speechFinal: false,
      fromFinalize: true,
    });
  });

  it('drops empty interims but keeps empty finals', () => {
    expect(sttEventFromDeepgram(results('', { is_final: false }))).toBeUndefined();
    expect(sttEventFromDeepgram(results('', { is_final: true, from_finalize: true }))).toMatchObject({
      text: '',
    });
  });

  it('maps SpeechStarted and UtteranceEnd; ignores Metadata and junk', () => {
    expect(sttEventFromDeepgram({ type: 'SpeechStarted', channel: [0, 1], timestamp: 1.5 })).toEqual({
      type: 'speech_started',
    });
    expect(sttEventFromDeepgram({ type: 'UtteranceEnd', channel: [0, 1], last_word_end: 2.1 })).toEqual({
      type: 'utterance_end',
    });
    expect(sttEventFromDeepgram({ type: 'Metadata', request_id: 'r' })).toBeUndefined();
    expect(sttEventFromDeepgram('nope')).toBeUndefined();
    expect(sttEventFromDeepgram(null)).toBeUndefined();
  });
});
