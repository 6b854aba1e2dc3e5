/**
 * Replies decided by call control (calls/), written through drachtio-srf. srf sends one header line per
 * name and merges repeated values with ','. That is right for Contact (a comma list) but RFC 3261
 * §7.3.1 forbids combining WWW-Authenticate (or Proxy-Authenticate) lines, whose values hold commas
 * themselves. drachtio-server reads the app's message line by line (makeTags in drachtio.cpp), so such
 * headers go as separate lines, joined by CRLF inside the one value srf writes.
 */
import type { SipReply } from '../calls/sip-view.js';
import { splitHeaderList } from '../calls/sip-text.js';
import type { SipResponseLike } from './types.js';

const ONE_PER_LINE = new Set([
  'www-authenticate',
  'proxy-authenticate',
  'authorization',
  'proxy-authorization',
]);

export function srfHeaders(headers: ReadonlyArray<[string, string]>): Record<string, string> {
  const grouped = new Map<string, { name: string; values: string[] }>();
  for (const [name, value] of headers) {
    const key = name.toLowerCase();
    const g = grouped.get(key) ?? { name, values: [] };
    g.values.push(value);
    grouped.set(key, g);
  }
  const out: Record<string, string> = {};
  for (const [key, { name, values }] of grouped)
    out[name] = ONE_PER_LINE.has(key) ? values.join(`\r\n${name}: `) : values.join(', ');
  return out;
}

export function sendReply(res: SipResponseLike, reply: SipReply): void {
  const headers = srfHeaders(reply.headers);
  if (reply.reason) res.send(reply.status, reply.reason, { headers });
  else res.send(reply.status, { headers });
}

/** The values of a header srf merged into one string (auth headers split before each scheme). */
export function headerValues(value: string | undefined, name: string): string[] {
  if (value === undefined) return [];
  return splitHeaderList(value, ONE_PER_LINE.has(name.toLowerCase()));
}
