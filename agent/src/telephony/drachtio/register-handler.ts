/**
 * REGISTER from softphones through drachtio: the request as the shared registrar book sees it, and its
 * reply written back through srf. Bindings remember the address the REGISTER came from (drachtio keeps
 * its own WebSocket flows, so a ws/wss contact is reached through drachtio by its Contact alone).
 */
import { uriUser } from '../calls/sip-text.js';
import type { Registrar } from '../calls/softphone-registrar.js';
import type { CallSource, RegisterRequest } from '../calls/sip-view.js';
import { headerValues, sendReply } from './srf-reply.js';
import type { SipRequestLike, SipResponseLike } from './types.js';

export function sourceOf(req: SipRequestLike): CallSource {
  return {
    transport: (req.protocol ?? 'udp').toLowerCase(),
    address: req.source_address,
    port: req.source_port,
  };
}

export function registerView(req: SipRequestLike): RegisterRequest {
  const cseq = Number(/^\s*(\d+)/.exec(req.get('CSeq') ?? '')?.[1] ?? 0);
  return {
    user: uriUser(req.get('To') ?? '') || undefined,
    contacts: headerValues(req.get('Contact'), 'Contact'),
    expires: req.get('Expires'),
    authorization: headerValues(req.get('Authorization'), 'Authorization')[0],
    callId: req.get('Call-ID') ?? '',
    cseq,
    supported: headerValues(req.get('Supported'), 'Supported').map((v) => v.toLowerCase()),
    source: sourceOf(req),
  };
}

export function handleRegister(registrar: Registrar, req: SipRequestLike, res: SipResponseLike): void {
  sendReply(res, registrar.register(registerView(req)).reply);
}
