/**
 * In-dialog requests both embedded call legs (the caller's, call-session.ts, and the callee's of an
 * outbound call, outbound-session.ts) send or answer the same way: REFER for a blind transfer, the
 * NOTIFY sipfrag that reports it, INFO DTMF. One copy, so the two legs cannot drift apart.
 */
import type { Logger } from '../../log.js';
import type { CallController } from '../calls/call-controller.js';
import type { DialogResponses } from './dialog-responses.js';
import type { Dialog } from './sip/dialog.js';
import { DTMF_INFO_TYPES, parseDtmfInfo } from './sip/dtmf-info.js';
import type { IncomingRequest, SipEndpoint } from './sip/endpoint.js';
import type { SipRequest } from './sip/message.js';

type ServerTx = NonNullable<IncomingRequest['tx']>;

/** Blind transfer: REFER on the dialog; the final answer goes to the controller. */
export function sendRefer(
  dialog: Dialog,
  endpoint: SipEndpoint,
  control: CallController,
  target: string,
): void {
  const { req, dest } = dialog.createRequest('REFER', [
    ['Refer-To', `<${target}>`],
    ['Referred-By', dialog.local.replace(/;\s*tag=[^;\s]+/i, '')],
    ['Event', 'refer'],
  ]);
  endpoint.request(req, dest, (res, timedOut) => {
    if (res.status < 200) return;
    control.referAnswered(timedOut ? 408 : res.status, timedOut ? 'REFER timed out' : res.reason);
  });
}

/** NOTIFY for our REFER's implicit subscription (RFC 3515); any other NOTIFY gets 481. */
export function answerNotify(
  req: SipRequest,
  tx: ServerTx,
  replies: DialogResponses,
  referSent: boolean,
  control: CallController,
): void {
  const event = (req.headers.get('event') ?? '').split(';')[0]!.trim().toLowerCase();
  if (event !== 'refer' || !referSent) {
    tx.respond(replies.response(req, 481, { reason: 'Subscription Does Not Exist' }));
    return;
  }
  tx.respond(replies.response(req, 200));
  control.referNotify(req.body, req.headers.get('subscription-state'));
}

/** INFO: an empty body is a keepalive (200); DTMF relay bodies become digits; other types 415. */
export function answerInfo(
  req: SipRequest,
  tx: ServerTx,
  replies: DialogResponses,
  control: CallController,
  log: Logger,
): void {
  const type = req.headers.get('content-type') ?? '';
  if (!req.body) return tx.respond(replies.response(req, 200));
  if (!DTMF_INFO_TYPES.includes(type.split(';')[0]!.trim().toLowerCase())) {
    const res = replies.response(req, 415);
    res.headers.append('Accept', DTMF_INFO_TYPES.join(', '));
    return tx.respond(res);
  }
  const dtmf = parseDtmfInfo(type, req.body);
  if (!dtmf) return tx.respond(replies.response(req, 400, { reason: 'Bad DTMF body' }));
  tx.respond(replies.response(req, 200));
  log.debug({ digit: dtmf.digit }, 'sip INFO DTMF');
  control.callerDtmf(dtmf.digit, dtmf.durationMs);
}
