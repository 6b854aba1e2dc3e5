/** Out-of-dialog responses of the embedded gateway, and the method/extension/hop checks they answer. */
import { ACCEPT, ALLOW, KNOWN_UNSUPPORTED, SUPPORTED_EXTENSIONS } from './gateway-options.js';
import { newTag } from './sip/ids.js';
import type { SipReply } from '../calls/sip-view.js';
import { buildResponse, type SipRequest, type SipResponse } from './sip/message.js';

export class GatewayResponses {
  constructor(private readonly userAgent: string) {}

  response(req: SipRequest, status: number, reason?: string): SipResponse {
    // Responses other than 100 carry a To tag when the request had none (RFC 3261 §8.2.6.2).
    const res = buildResponse(req, status, {
      ...(reason ? { reason } : {}),
      ...(status > 100 ? { toTag: newTag() } : {}),
    });
    res.headers.append('Server', this.userAgent);
    return res;
  }

  /** 503 with Retry-After: the client may come back then. */
  unavailable(req: SipRequest, retryAfterSeconds: number): SipResponse {
    const res = this.response(req, 503);
    res.headers.append('Retry-After', String(retryAfterSeconds));
    return res;
  }

  withCapabilities(res: SipResponse): SipResponse {
    res.headers.append('Allow', ALLOW.join(', '));
    res.headers.append('Accept', ACCEPT);
    if (SUPPORTED_EXTENSIONS.length > 0) res.headers.append('Supported', SUPPORTED_EXTENSIONS.join(', '));
    return res;
  }

  /** Unsupported methods and extensions, hop count: the response to send, or nothing. */
  refusal(req: SipRequest): SipResponse | undefined {
    if (!ALLOW.includes(req.method)) {
      if (!KNOWN_UNSUPPORTED.includes(req.method)) return this.response(req, 501);
      return this.withCapabilities(this.response(req, 405));
    }
    if (req.headers.get('max-forwards')?.trim() === '0' && req.method !== 'OPTIONS')
      return this.response(req, 483, 'Too Many Hops');
    if (req.method === 'CANCEL') return undefined;
    const unsupported = req.headers
      .getAll('require')
      .filter((t) => !SUPPORTED_EXTENSIONS.includes(t.toLowerCase()));
    if (unsupported.length > 0) {
      const res = this.response(req, 420);
      res.headers.append('Unsupported', unsupported.join(', '));
      return res;
    }
    return undefined;
  }

  /** A reply call control decided (a challenge, a registrar answer) as a response to `req`. */
  fromReply(req: SipRequest, reply: SipReply): SipResponse {
    const res = this.response(req, reply.status, reply.reason);
    for (const [name, value] of reply.headers) res.headers.append(name, value);
    return res;
  }
}
