/** Our SIP message types. The codec (codec.ts) turns bytes into these and back. */
import { SipHeaders } from './headers.js';
import { parseNameAddr, type NameAddr } from '../../calls/sip-uri.js';
import { parseVia, type Via } from './via.js';

export interface SipRequest {
  kind: 'request';
  method: string;
  uri: string;
  headers: SipHeaders;
  body: string;
}

export interface SipResponse {
  kind: 'response';
  status: number;
  reason: string;
  headers: SipHeaders;
  body: string;
}

export type SipMessage = SipRequest | SipResponse;

export interface CSeq {
  seq: number;
  method: string;
}

export function parseCSeq(value: string | undefined): CSeq | undefined {
  const m = /^\s*(\d{1,10})\s+([A-Za-z!%*_+`'~.-]+)\s*$/.exec(value ?? '');
  if (!m) return undefined;
  const seq = Number(m[1]);
  if (seq > 2 ** 31 - 1) return undefined;
  return { seq, method: m[2]!.toUpperCase() };
}

export function topVia(msg: SipMessage): Via | undefined {
  const v = msg.headers.getAll('via')[0];
  return v === undefined ? undefined : parseVia(v);
}

export function fromHeader(msg: SipMessage): NameAddr | undefined {
  const v = msg.headers.get('from');
  return v === undefined ? undefined : parseNameAddr(v);
}

export function toHeader(msg: SipMessage): NameAddr | undefined {
  const v = msg.headers.get('to');
  return v === undefined ? undefined : parseNameAddr(v);
}

export function callIdOf(msg: SipMessage): string {
  return msg.headers.get('call-id') ?? '';
}

export const REASONS: Record<number, string> = {
  100: 'Trying',
  180: 'Ringing',
  181: 'Call Is Being Forwarded',
  182: 'Queued',
  183: 'Session Progress',
  200: 'OK',
  202: 'Accepted',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  415: 'Unsupported Media Type',
  420: 'Bad Extension',
  423: 'Interval Too Brief',
  480: 'Temporarily Unavailable',
  481: 'Call/Transaction Does Not Exist',
  486: 'Busy Here',
  487: 'Request Terminated',
  488: 'Not Acceptable Here',
  491: 'Request Pending',
  500: 'Server Internal Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  600: 'Busy Everywhere',
  603: 'Decline',
  513: 'Message Too Large',
};

/** Build a response to a request: Via, From, To, Call-ID, CSeq copied (RFC 3261 §8.2.6.2). */
export function buildResponse(
  req: SipRequest,
  status: number,
  opts: { toTag?: string; reason?: string } = {},
): SipResponse {
  const headers = new SipHeaders();
  for (const v of req.headers.getAll('via')) headers.append('Via', v);
  headers.append('From', req.headers.get('from') ?? '');
  let to = req.headers.get('to') ?? '';
  if (opts.toTag && status > 100 && !/;\s*tag=/i.test(to)) to = `${to};tag=${opts.toTag}`;
  headers.append('To', to);
  headers.append('Call-ID', req.headers.get('call-id') ?? '');
  headers.append('CSeq', req.headers.get('cseq') ?? '');
  return { kind: 'response', status, reason: opts.reason ?? REASONS[status] ?? 'Unknown', headers, body: '' };
}
