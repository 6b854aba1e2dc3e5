/**
 * Pure mapping of Deepgram Flux (Listen v2, /v2/listen) server messages to our SttEvent. Wire shapes
 * per the SDK's ListenV2TurnInfo / ListenV2FatalError types and developers.deepgram.com/docs/flux/state:
 * TurnInfo{event: StartOfTurn | Update | EagerEndOfTurn | TurnResumed | EndOfTurn, turn_index,
 * transcript (the whole turn so far), end_of_turn_confidence, …}; Error{code, description}.
 */
import { ProviderError } from '../errors.js';
import type { SttEvent, SttTurnEvent } from '../types.js';

const EVENTS: Record<string, SttTurnEvent> = {
  StartOfTurn: 'start',
  Update: 'update',
  EagerEndOfTurn: 'eager_end',
  TurnResumed: 'resumed',
  EndOfTurn: 'end',
};

/** Fatal error codes worth a reconnect; anything else (a bad request) will fail the same way again. */
const RETRYABLE = /INTERNAL|UNAVAILABLE|TIMEOUT|OVERLOAD/i;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** The SttEvent for one Flux message, or undefined (Connected, ConfigureSuccess, unknown events). */
export function sttEventFromFlux(msg: unknown): SttEvent | undefined {
  if (!isRecord(msg)) return undefined;
  if (msg['type'] === 'TurnInfo') {
    const event = EVENTS[String(msg['event'])];
    if (!event) return undefined;
    return {
      type: 'turn',
      event,
      text: typeof msg['transcript'] === 'string' ? msg['transcript'].trim() : '',
      index: typeof msg['turn_index'] === 'number' ? msg['turn_index'] : 0,
      confidence: typeof msg['end_of_turn_confidence'] === 'number' ? msg['end_of_turn_confidence'] : 0,
    };
  }
  if (msg['type'] === 'Error') {
    const code = String(msg['code'] ?? 'UNKNOWN');
    const retryable = RETRYABLE.test(code);
    return {
      type: 'error',
      error: new ProviderError(
        'stt',
        retryable ? 'server_error' : 'bad_response',
        `Deepgram Flux error ${code}: ${String(msg['description'] ?? '')}`,
        retryable,
      ),
    };
  }
  return undefined;
}
