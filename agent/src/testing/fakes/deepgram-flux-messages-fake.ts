/**
 * Server → client messages of Deepgram Flux (Listen v2), as the SDK types them (ListenV2Connected,
 * ListenV2TurnInfo, ListenV2FatalError, ListenV2ConfigureSuccess) and developers.deepgram.com/docs/flux
 * describes them. Every message carries a sequence_id counting all messages of the connection.
 */
export type FluxEvent = 'StartOfTurn' | 'Update' | 'EagerEndOfTurn' | 'TurnResumed' | 'EndOfTurn';

export interface TurnInfoArgs {
  requestId: string;
  sequenceId: number;
  event: FluxEvent;
  turnIndex: number;
  startMs: number;
  endMs: number;
  transcript: string;
  confidence: number;
  /** EndOfTurn only: model | manual | timeout. */
  trigger?: 'model' | 'manual' | 'timeout';
}

export function connectedMessage(requestId: string, sequenceId: number): Record<string, unknown> {
  return { type: 'Connected', request_id: requestId, sequence_id: sequenceId };
}

export function turnInfoMessage(a: TurnInfoArgs): Record<string, unknown> {
  const parts = a.transcript.split(/\s+/).filter(Boolean);
  const step = parts.length ? (a.endMs - a.startMs) / parts.length : 0;
  return {
    type: 'TurnInfo',
    request_id: a.requestId,
    sequence_id: a.sequenceId,
    event: a.event,
    turn_index: a.turnIndex,
    audio_window_start: a.startMs / 1000,
    audio_window_end: a.endMs / 1000,
    transcript: a.transcript,
    words: parts.map((word, i) => ({
      word,
      confidence: 0.97,
      start: (a.startMs + i * step) / 1000,
      end: (a.startMs + (i + 1) * step) / 1000,
    })),
    end_of_turn_confidence: Math.round(a.confidence * 1000) / 1000,
    ...(a.event === 'EndOfTurn' ? { trigger: a.trigger ?? 'model' } : {}),
  };
}

export function fatalErrorMessage(
  sequenceId: number,
  code: string,
  description: string,
): Record<string, unknown> {
  return { type: 'Error', sequence_id: sequenceId, code, description };
}

export function configureSuccessMessage(
  requestId: string,
  sequenceId: number,
  thresholds: Record<string, unknown>,
): Record<string, unknown> {
  return {
    type: 'ConfigureSuccess',
    request_id: requestId,
    thresholds,
    keyterms: [],
    sequence_id: sequenceId,
  };
}
