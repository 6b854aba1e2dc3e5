export type CallErrorCode =
  | 'invalid_state'
  | 'request_pending'
  | 'hold_rejected'
  | 'transfer_failed'
  | 'dtmf_invalid'
  | 'no_media'
  | 'too_many_calls'
  | 'unknown_call'
  | 'unknown_account';

export class CallError extends Error {
  constructor(
    readonly code: CallErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CallError';
  }
}
