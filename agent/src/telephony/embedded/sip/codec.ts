/**
 * SIP wire codec (RFC 3261 §7): bytes ↔ SipMessage, no sockets. Malformed input yields a typed
 * error (with enough of the request, when there is one, to send a 400) and never throws.
 */
import { SipHeaders, canonicalHeaderName } from './headers.js';
import { parseCSeq, topVia, type SipMessage, type SipRequest } from './message.js';

export const DEFAULT_MAX_MESSAGE_BYTES = 65_535;

export type ParseErrorCode =
  'empty' | 'start-line' | 'header' | 'missing-header' | 'content-length' | 'too-large';

export interface ParseFailure {
  ok: false;
  code: ParseErrorCode;
  reason: string;
  /** Present when the start line and the headers a response needs parsed: answer 400 (or 513) to it. */
  request?: SipRequest;
}

export type ParseResult = { ok: true; message: SipMessage } | ParseFailure;

const TOKEN = /^[A-Za-z0-9.!%*_+`'~-]+$/;
const REQUIRED = ['via', 'from', 'to', 'call-id', 'cseq'];

function splitHead(text: string): { head: string; body: string } | undefined {
  const idx = text.indexOf('\r\n\r\n');
  if (idx >= 0) return { head: text.slice(0, idx), body: text.slice(idx + 4) };
  const lf = text.indexOf('\n\n');
  if (lf >= 0) return { head: text.slice(0, lf), body: text.slice(lf + 2) };
  return undefined;
}

function parseHeaderLines(lines: string[]): SipHeaders | undefined {
  const headers = new SipHeaders();
  let last: [string, string] | undefined;
  const flush = (): boolean => {
    if (!last) return true;
    headers.append(last[0], last[1]);
    return true;
  };
  for (const line of lines) {
    if (/^[ \t]/.test(line)) {
      if (!last) return undefined;
      last[1] += ' ' + line.trim(); // header folding (LWS)
      continue;
    }
    flush();
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    const name = line.slice(0, colon).trim();
    if (!TOKEN.test(name)) return undefined;
    last = [name, line.slice(colon + 1).trim()];
  }
  flush();
  return headers;
}

function parseStartLine(
  line: string,
): Pick<SipRequest, 'method' | 'uri'> | { status: number; reason: string } | undefined {
  const res = /^SIP\/2\.0 ([1-6]\d\d) ?(.*)$/.exec(line);
  if (res) return { status: Number(res[1]), reason: res[2] ?? '' };
  const req = /^([A-Za-z0-9.!%*_+`'~-]+) (\S+) SIP\/2\.0$/.exec(line);
  if (req) return { method: req[1]!, uri: req[2]! };
  return undefined;
}

/** Parse one complete message (a UDP datagram, or a frame cut by SipStreamFramer). */
export function parseMessage(data: Buffer | string, maxBytes = DEFAULT_MAX_MESSAGE_BYTES): ParseResult {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const text = buf.toString('utf8').replace(/^(\r\n)+/, '');
  if (text.trim() === '') return { ok: false, code: 'empty', reason: 'keep-alive or empty' };
  const parts = splitHead(text) ?? { head: text.replace(/\r?\n$/, ''), body: '' };
  const lines = parts.head.split(/\r?\n/);
  const start = parseStartLine(lines[0] ?? '');
  if (!start) return { ok: false, code: 'start-line', reason: 'malformed start line' };
  const headers = parseHeaderLines(lines.slice(1));
  if (!headers) return { ok: false, code: 'header', reason: 'malformed header line' };
  const message: SipMessage =
    'status' in start
      ? { kind: 'response', status: start.status, reason: start.reason, headers, body: parts.body }
      : { kind: 'request', method: start.method.toUpperCase(), uri: start.uri, headers, body: parts.body };
  return validate(message, buf.length, maxBytes);
}

function validate(message: SipMessage, size: number, maxBytes: number): ParseResult {
  const missing = REQUIRED.filter((h) => !message.headers.has(h));
  const viaOk = topVia(message) !== undefined;
  const cseq = parseCSeq(message.headers.get('cseq'));
  const answerable = message.kind === 'request' && missing.length === 0 && viaOk ? message : undefined;
  const fail = (code: ParseErrorCode, reason: string): ParseFailure =>
    answerable ? { ok: false, code, reason, request: answerable } : { ok: false, code, reason };
  if (size > maxBytes) return fail('too-large', `message of ${size} bytes exceeds ${maxBytes}`);
  if (missing.length > 0) return fail('missing-header', `missing ${missing.join(', ')}`);
  if (!viaOk) return fail('header', 'malformed Via');
  if (!cseq) return fail('header', 'malformed CSeq');
  if (message.kind === 'request' && cseq.method !== message.method && message.method !== 'ACK')
    return fail('header', 'CSeq method does not match the request method');
  if (message.kind === 'request' && message.method === 'ACK' && cseq.method !== 'ACK')
    return fail('header', 'CSeq method does not match the request method');
  const cl = message.headers.get('content-length');
  if (cl !== undefined) {
    if (!/^\s*\d{1,9}\s*$/.test(cl)) return fail('content-length', 'malformed Content-Length');
    const want = Number(cl);
    const body = Buffer.from(message.body, 'utf8');
    if (body.length < want) return fail('content-length', 'body shorter than Content-Length');
    message.body = body.subarray(0, want).toString('utf8'); // extra bytes in a datagram are ignored
  }
  return { ok: true, message };
}

/** Serialise with canonical header names and a correct Content-Length. */
export function serializeMessage(msg: SipMessage): Buffer {
  const start =
    msg.kind === 'request' ? `${msg.method} ${msg.uri} SIP/2.0` : `SIP/2.0 ${msg.status} ${msg.reason}`;
  const lines = [start];
  for (const [name, value] of msg.headers.entries()) {
    if (name === 'content-length') continue;
    lines.push(`${canonicalHeaderName(name)}: ${value}`);
  }
  const body = Buffer.from(msg.body, 'utf8');
  lines.push(`Content-Length: ${body.length}`);
  return Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'utf8'), body]);
}
