import { describe, expect, it } from 'vitest';
import { sttEventFromFlux } from './deepgram-flux-messages.js';

// Shapes as the SDK types them (ListenV2TurnInfo) and the Flux docs show them.
const turnInfo = (event: string, transcript: string, confidence: number) => ({
  type: 'TurnInfo',
  request_id: '0b2f6c7e-1a1d-4a57-9d0c-5c1b8f4b7a11',
  sequence_id: 4,
  event,
  turn_index: 2,
  audio_window_start: 0.4,
  audio_window_end: 2.1,
  transcript,
  words: transcript ? transcript.split(' ').map((word) => ({ word, confidence: 0.97 })) : [],
  end_of_turn_confidence: confidence,
});

describe('sttEventFromFlux', () => {
  it.each([
    ['StartOfTurn', 'start'],
    ['Update', 'update'],
    ['EagerEndOfTurn', 'eager_end'],
    ['TurnResumed', 'resumed'],
    ['EndOfTurn', 'end'],
  ])('maps TurnInfo %s', (event, mapped) => {
    expect(sttEventFromFlux(turnInfo(event, 'Hi I need to cancel', 0.61))).toEqual({
      type: 'turn',
      event: mapped,
      text: 'Hi I need to cancel',
      index: 2,
      confidence: 0.61,
    });
  });

  it('ignores Connected, ConfigureSuccess and events it does not know', () => {
    expect(sttEventFromFlux({ type: 'Connected', request_id: 'r', sequence_id: 0 })).toBeUndefined();
    expect(sttEventFromFlux({ type: 'ConfigureSuccess', request_id: 'r', thresholds: {} })).toBeUndefined();
    expect(sttEventFromFlux(turnInfo('SomethingNew', 'x', 0))).toBeUndefined();
    expect(sttEventFromFlux('not json')).toBeUndefined();
  });

  it('maps a fatal Error with a stable code: internal errors retryable, bad requests not', () => {
    const e1 = sttEventFromFlux({
      type: 'Error',
      sequence_id: 3,
      code: 'INTERNAL_SERVER_ERROR',
      description: 'x',
    });
    expect(e1).toMatchObject({ type: 'error', error: { code: 'server_error', retryable: true } });
    const e2 = sttEventFromFlux({
      type: 'Error',
      sequence_id: 3,
      code: 'UNPARSABLE_CLIENT_MESSAGE',
      description: 'bad',
    });
    expect(e2).toMatchObject({ type: 'error', error: { code: 'bad_response', retryable: false } });
  });
});
