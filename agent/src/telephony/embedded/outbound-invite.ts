/**
 * The INVITEs of an outbound call (RFC 3261 §8.1.1): the first one with our SDP offer, and the one
 * that answers a 401/407 digest challenge (same Call-ID and From tag, next CSeq, new branch).
 */
import { randomBytes } from 'node:crypto';
import { answerChallenge, formatCredentials, pickChallenge } from '../../routing/digest.js';
import type { DialPlan } from '../calls/outbound/outbound-types.js';
import { SipHeaders } from './sip/headers.js';
import { newTag } from './sip/ids.js';
import { parseCSeq, type SipRequest, type SipResponse } from './sip/message.js';

export function buildOutboundInvite(
  plan: DialPlan,
  o: { contact: string; userAgent: string; sdp: string; cseq: number },
): SipRequest {
  const headers = new SipHeaders([
    ['Max-Forwards', '70'],
    ['From', `<${plan.fromUri}>;tag=${newTag()}`],
    ['To', `<sip:${plan.to}@${plan.route.hostPort.replace(/:\d+$/, '')}>`],
    ['Call-ID', plan.callId],
    ['CSeq', `${o.cseq} INVITE`],
    ['Contact', o.contact],
    ['Allow', 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, NOTIFY, UPDATE'],
    ['User-Agent', o.userAgent],
    ['Content-Type', 'application/sdp'],
  ]);
  return { kind: 'request', method: 'INVITE', uri: plan.requestUri, headers, body: o.sdp };
}

/**
 * The same INVITE with credentials for the challenge in a 401/407, or undefined when there is no
 * usable challenge or no credentials. Our Via is stripped: the endpoint stamps a new branch.
 */
export function authenticatedInvite(
  invite: SipRequest,
  res: SipResponse,
  credentials: { username: string; password: string } | undefined,
  nc: number,
): SipRequest | undefined {
  if (!credentials) return undefined;
  const challengeHeader = res.status === 401 ? 'www-authenticate' : 'proxy-authenticate';
  const challenge = pickChallenge(res.headers.getAll(challengeHeader));
  if (!challenge) return undefined;
  const creds = answerChallenge(challenge, {
    ...credentials,
    method: 'INVITE',
    uri: invite.uri,
    cnonce: randomBytes(8).toString('hex'),
    nc,
  });
  const headers = invite.headers.clone();
  headers.replaceAll('via', []);
  const seq = (parseCSeq(invite.headers.get('cseq'))?.seq ?? 1) + 1;
  headers.set('CSeq', `${seq} INVITE`);
  headers.replaceAll('authorization', []);
  headers.replaceAll('proxy-authorization', []);
  headers.append(res.status === 401 ? 'Authorization' : 'Proxy-Authorization', formatCredentials(creds));
  return { ...invite, headers };
}
