/**
 * Responses inside one UAS dialog of the embedded gateway: our To tag, Record-Route echo, capabilities,
 * and which re-INVITE or UPDATE is refused before any offer/answer.
 */
import { ACCEPT, ALLOW } from './gateway-options.js';
import { decideSessionTimer, type SessionTimerDecision } from './session-timer.js';
import { buildResponse, type SipRequest, type SipResponse } from './sip/message.js';

export class DialogResponses {
  constructor(
    private readonly localTag: string,
    private readonly userAgent: string,
  ) {}

  response(req: SipRequest, status: number, o: { reason?: string } = {}): SipResponse {
    const res = buildResponse(req, status, { toTag: this.localTag, ...o });
    // Dialog-establishing responses echo Record-Route (RFC 3261 §12.1.1) so the caller's route set matches ours.
    if (req.method === 'INVITE' && status > 100 && status < 300) {
      for (const rr of req.headers.getAll('record-route')) res.headers.append('Record-Route', rr);
    }
    res.headers.append('Server', this.userAgent);
    return res;
  }

  /** 422 Session Interval Too Small with our Min-SE (RFC 4028 §8.1). */
  tooSmall(req: SipRequest, minSe: number): SipResponse {
    const res = this.response(req, 422, { reason: 'Session Interval Too Small' });
    res.headers.append('Min-SE', String(minSe));
    return res;
  }

  withAllow(res: SipResponse): SipResponse {
    res.headers.append('Allow', ALLOW.join(', '));
    res.headers.append('Accept', ACCEPT);
    return res;
  }

  /**
   * What a re-INVITE or UPDATE may not do: overlap a re-INVITE (491), ask too short a session
   * interval (422), carry a body that is not SDP (415). Otherwise its session-timer terms: it is also
   * the caller's session refresh.
   */
  screenOffer(
    req: SipRequest,
    reinviteInProgress: boolean,
  ): { terms: SessionTimerDecision } | { refusal: SipResponse } {
    if (reinviteInProgress) return { refusal: this.response(req, 491) };
    const terms = decideSessionTimer(req.headers);
    if (terms.kind === 'too-small') return { refusal: this.tooSmall(req, terms.minSe) };
    const type = (req.headers.get('content-type') ?? ACCEPT).split(';')[0]!.trim().toLowerCase();
    if (req.body && type !== ACCEPT) {
      const res = this.response(req, 415);
      res.headers.append('Accept', ACCEPT);
      return { refusal: res };
    }
    return { terms };
  }
}
