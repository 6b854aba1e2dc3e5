/**
 * One outgoing branch of a user-to-user call: the INVITE the B2BUA sends to one registered contact
 * of the callee, over the flow that contact registered on. Pure construction plus a little state.
 */
import { ALLOW } from './gateway-options.js';
import type { Binding as AnyBinding } from '../calls/softphone-registrar.js';
import type { Dialog } from './sip/dialog.js';
import { SipHeaders } from './sip/headers.js';
import { initialCSeq, newCallId, newTag } from './sip/ids.js';
import type { InviteClientTransaction } from './sip/invite-client-transaction.js';
import type { SipRequest } from './sip/message.js';
import type { SipPeer } from './sip/transport.js';

/** A softphone binding on the embedded gateway: its flow is one of our connections. */
export type Binding = AnyBinding<SipPeer>;

export type ForkState = 'pending' | 'early' | 'answered' | 'failed';

export interface CalleeFork {
  binding: Binding;
  req: SipRequest;
  tx?: InviteClientTransaction;
  state: ForkState;
  /** The confirmed (or confirming) dialog with this contact, once it answered. */
  dialog?: Dialog;
  /** The ACK we sent for its 2xx (re-sent if the 2xx is retransmitted). */
  ack?: { req: SipRequest; dest: Binding['flow'] };
}

/**
 * The B-leg INVITE: caller identity kept (From user/display, new tag), callee AoR in To, a fresh
 * Call-ID, the offer relayed untouched (so browser↔browser WebRTC media flows end to end).
 */
export function buildForkInvite(
  a: SipRequest,
  binding: Binding,
  o: { contact: string; host: string; userAgent: string },
): SipRequest {
  const h = new SipHeaders();
  const mf = Number(a.headers.get('max-forwards') ?? '70');
  h.append('Max-Forwards', String(Math.max(0, (Number.isFinite(mf) ? mf : 70) - 1)));
  const from = (a.headers.get('from') ?? '').replace(/;\s*tag=[^;\s]+/i, '');
  h.append('From', `${from};tag=${newTag()}`);
  h.append('To', (a.headers.get('to') ?? '').replace(/;\s*tag=[^;\s]+/i, ''));
  h.append('Call-ID', newCallId(o.host));
  h.append('CSeq', `${initialCSeq()} INVITE`);
  h.append('Contact', o.contact);
  h.append('Allow', ALLOW.join(', '));
  h.append('User-Agent', o.userAgent);
  const type = a.headers.get('content-type');
  if (type) h.append('Content-Type', type);
  return { kind: 'request', method: 'INVITE', uri: binding.contact, headers: h, body: a.body };
}

/**
 * The final response to relay to the caller when every branch failed (RFC 3261 §16.7 step 6, simplified):
 * a 6xx wins, else the first 4xx other than 408, else the first final, else 480.
 */
export function bestFinal(statuses: number[]): number {
  const six = statuses.find((s) => s >= 600);
  if (six !== undefined) return six;
  const four = statuses.find((s) => s >= 400 && s < 500 && s !== 408);
  if (four !== undefined) return four;
  return statuses[0] ?? 480;
}
