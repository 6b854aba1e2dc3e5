/**
 * SIP text that call control reads the same way whichever back-end carried it: REFER progress
 * (message/sipfrag), DTMF digits, URI users and header lists. Pure; no SIP stack here.
 */
import { parseNameAddr } from './sip-uri.js';

/** Status line of a message/sipfrag body (the NOTIFY that reports a REFER's progress, RFC 3515 §2.4.5). */
export function parseSipfrag(body: string): { status: number; reason: string } | undefined {
  const m = /^SIP\/2\.0\s+(\d{3})\s*([^\r\n]*)/.exec(body.trim());
  return m ? { status: Number(m[1]), reason: (m[2] ?? '').trim() } : undefined;
}

/** One DTMF event as the caller can send it (RFC 4733 events 0–15, SIP INFO). */
export function isDtmfDigit(digit: string): boolean {
  return /^[0-9*#A-Da-d]$/.test(digit);
}

/** Digits the agent may send to the caller: 1 to 32 events, w/W as pauses (FreeSWITCH's uuid_send_dtmf). */
export function isDialableDtmf(digits: string): boolean {
  return /^[0-9A-Da-d*#wW]{1,32}$/.test(digits);
}

/** User part of a URI or name-addr (`"Bob" <sip:bob@host>;tag=1`, `tel:+1555…`); '' if none. */
export function uriUser(value: string): string {
  return parseNameAddr(value)?.uri.user ?? '';
}

/** The bare URI from a header value such as `"Bob" <sip:bob@host>;tag=1`. */
export function headerUri(value: string): string {
  return /<([^>]*)>/.exec(value)?.[1] ?? value.split(';')[0]!.trim();
}

/** Split a header value on top-level commas (outside quotes and angle brackets). */
export function splitList(value: string): string[] {
  const out: string[] = [];
  let depthAngle = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (quoted) {
      if (ch === '\\') i++;
      else if (ch === '"') quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === '<') depthAngle++;
    else if (ch === '>') depthAngle = Math.max(0, depthAngle - 1);
    else if (ch === ',' && depthAngle === 0) {
      out.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(value.slice(start).trim());
  return out.filter((v) => v.length > 0);
}

/**
 * The entries of a header value a stack may have merged from several lines: Contact-like lists split on
 * top-level commas; digest challenges and credentials (whose parameters hold commas) only before a scheme.
 */
export function splitHeaderList(value: string, auth = false): string[] {
  if (!auth) return splitList(value);
  return value
    .split(/,\s*(?=Digest\s)/i)
    .map((s) => s.trim())
    .filter(Boolean);
}
