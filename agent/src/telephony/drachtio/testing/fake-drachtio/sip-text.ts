/**
 * TEST-ONLY: the SIP text drachtio-srf puts after a `sip|…` leader. It is looser than a wire message
 * (no Via, often no From/To/Call-ID/CSeq: drachtio-server fills those in), so it is parsed here
 * leniently into the embedded stack's message types; what goes on the wire is then completed by the
 * fake server and serialised by the embedded codec.
 */
import { canonicalHeaderName, SipHeaders } from '../../../embedded/sip/headers.js';
import type { SipMessage } from '../../../embedded/sip/message.js';

const SINGLE = ['call-id', 'cseq', 'from', 'to', 'max-forwards', 'content-type', 'expires'];

export function parseAppSip(text: string): SipMessage | undefined {
  const split = text.indexOf('\r\n\r\n');
  const head = split < 0 ? text : text.slice(0, split);
  const body = split < 0 ? '' : text.slice(split + 4);
  const lines = head.split('\r\n').filter((l, i) => i === 0 || l !== '');
  const start = lines[0] ?? '';
  const headers = new SipHeaders();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    const name = line.slice(0, colon).trim();
    if (/^[xp]-/i.test(name)) spelling.set(name.toLowerCase(), name);
    headers.append(name, line.slice(colon + 1).trim());
  }
  headers.delete('content-length');
  // drachtio-srf can write a header twice in different case (its digest client adds `call-id` to a
  // request that has `Call-ID`); sofia-sip builds one of each single-valued header from the tag list.
  for (const name of SINGLE) {
    const lines = headers.entries().filter(([n]) => n === name);
    if (lines.length > 1) headers.set(name, lines.at(-1)![1]);
  }
  const res = /^SIP\/2\.0\s+(\d{3})\s*(.*)$/.exec(start);
  if (res) return { kind: 'response', status: Number(res[1]), reason: res[2] ?? '', headers, body };
  const req = /^([A-Za-z]+)\s+(\S+)\s+SIP\/2\.0$/.exec(start);
  if (req) return { kind: 'request', method: req[1]!.toUpperCase(), uri: req[2]!, headers, body };
  return undefined;
}

/**
 * sofia-sip prints the headers it knows in canonical form and extension headers as the app spelt them
 * (drachtio-srf keeps `X-`/`P-` names as given): remember those spellings for serialisation.
 */
const spelling = new Map<string, string>();

/** Serialise as drachtio-server puts a message on the wire: canonical names, app spellings for X-/P-. */
export function serializeAsStack(msg: SipMessage): string {
  const start =
    msg.kind === 'request' ? `${msg.method} ${msg.uri} SIP/2.0` : `SIP/2.0 ${msg.status} ${msg.reason}`;
  const lines = [start];
  for (const [name, value] of msg.headers.entries()) {
    if (name === 'content-length') continue;
    lines.push(`${spelling.get(name) ?? canonicalHeaderName(name)}: ${value}`);
  }
  lines.push(`Content-Length: ${Buffer.byteLength(msg.body, 'utf8')}`);
  return `${lines.join('\r\n')}\r\n\r\n${msg.body}`;
}

/** Re-spell extension header names in bytes the embedded codec serialised (it canonicalises every name). */
export function respell(data: Buffer): Buffer {
  const text = data.toString('utf8');
  const end = text.indexOf('\r\n\r\n');
  if (end < 0 || spelling.size === 0) return data;
  const head = text
    .slice(0, end)
    .split('\r\n')
    .map((line, i) => {
      if (i === 0) return line;
      const colon = line.indexOf(':');
      const name = spelling.get(line.slice(0, colon).toLowerCase());
      return name ? name + line.slice(colon) : line;
    });
  return Buffer.from(head.join('\r\n') + text.slice(end), 'utf8');
}

export function tagOf(nameAddr: string | undefined): string | undefined {
  return /;\s*tag=([^;\s>]+)/i.exec(nameAddr ?? '')?.[1];
}

/** The headers drachtio-server builds itself from the transaction or dialog: the app's are ignored. */
export const STACK_HEADERS = ['via', 'from', 'to', 'call-id', 'cseq', 'content-length', 'max-forwards'];

/** Copy the app's own headers (everything but the stack's) onto a message we are building. */
export function copyAppHeaders(from: SipHeaders, to: SipHeaders, except: string[] = STACK_HEADERS): void {
  const names = new Set(
    from
      .entries()
      .map(([n]) => n)
      .filter((n) => !except.includes(n)),
  );
  for (const n of names) to.delete(n);
  for (const [n, v] of from.entries()) if (names.has(n)) to.append(n, v);
}

/** Content-Type for a body the app sent without one (drachtio detects SDP by its `v=0`). */
export function contentTypeFor(body: string, given: string | undefined): string | undefined {
  if (given) return given;
  return body.startsWith('v=0') ? 'application/sdp' : undefined;
}
