/**
 * Just enough SIP text handling for a load-generating UAC (and the echo floor's UAS): parse one
 * datagram into start line + headers + body, and build the few requests and responses we send.
 * Not product code: the gateway's own codec lives in src/telephony/embedded/sip.
 */

export interface SipText {
  kind: 'request' | 'response';
  method: string;
  uri: string;
  status: number;
  reason: string;
  /** Lower-case canonical (long-form) names → values in order. */
  headers: Map<string, string[]>;
  body: string;
}

const COMPACT: Record<string, string> = {
  i: 'call-id',
  v: 'via',
  f: 'from',
  t: 'to',
  m: 'contact',
  l: 'content-length',
  c: 'content-type',
  k: 'supported',
};

/** Undefined for anything that is not a well-formed SIP message. */
export function parseSip(text: string): SipText | undefined {
  const sep = text.indexOf('\r\n\r\n');
  const head = sep >= 0 ? text.slice(0, sep) : text;
  const body = sep >= 0 ? text.slice(sep + 4) : '';
  const lines = head.split('\r\n');
  const start = lines.shift() ?? '';
  const res = /^SIP\/2\.0 (\d{3}) ?(.*)$/.exec(start);
  const req = /^([A-Z]+) (\S+) SIP\/2\.0$/.exec(start);
  if (!res && !req) return undefined;
  const headers = new Map<string, string[]>();
  let last: string | undefined;
  for (const line of lines) {
    if (/^[ \t]/.test(line) && last) {
      const vals = headers.get(last)!;
      vals[vals.length - 1] += ' ' + line.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    const raw = line.slice(0, colon).trim().toLowerCase();
    const name = COMPACT[raw] ?? raw;
    const value = line.slice(colon + 1).trim();
    // Via, Route and friends may hold comma-separated values; we only ever need the first Via.
    headers.set(name, [...(headers.get(name) ?? []), value]);
    last = name;
  }
  return res
    ? { kind: 'response', method: '', uri: '', status: Number(res[1]), reason: res[2] ?? '', headers, body }
    : { kind: 'request', method: req![1]!, uri: req![2]!, status: 0, reason: '', headers, body };
}

export function header(msg: SipText, name: string): string | undefined {
  return msg.headers.get(name.toLowerCase())?.[0];
}

/** The `tag` parameter of a From/To value. */
export function tagOf(nameAddr: string | undefined): string | undefined {
  return /;\s*tag=([^;>\s]+)/i.exec(nameAddr ?? '')?.[1];
}

/** The URI inside <...> of a Contact/From/To value, or the bare URI before any parameters. */
export function uriOf(nameAddr: string | undefined): string | undefined {
  if (!nameAddr) return undefined;
  const angle = /<([^>]+)>/.exec(nameAddr);
  if (angle) return angle[1];
  return nameAddr.split(';')[0]?.trim();
}

export function cseqOf(msg: SipText): { seq: number; method: string } | undefined {
  const m = /^(\d+)\s+(\S+)/.exec(header(msg, 'cseq') ?? '');
  return m ? { seq: Number(m[1]), method: m[2]!.toUpperCase() } : undefined;
}

export interface RequestParts {
  method: string;
  uri: string;
  via: string;
  from: string;
  to: string;
  callId: string;
  cseq: number;
  contact?: string;
  extra?: string[];
  body?: { type: string; text: string };
}

export function buildRequest(p: RequestParts): string {
  const lines = [
    `${p.method} ${p.uri} SIP/2.0`,
    `Via: ${p.via}`,
    'Max-Forwards: 70',
    `From: ${p.from}`,
    `To: ${p.to}`,
    `Call-ID: ${p.callId}`,
    `CSeq: ${p.cseq} ${p.method}`,
  ];
  if (p.contact) lines.push(`Contact: ${p.contact}`);
  lines.push('User-Agent: switchboard-bench', ...(p.extra ?? []));
  if (p.body) lines.push(`Content-Type: ${p.body.type}`);
  const body = p.body?.text ?? '';
  lines.push(`Content-Length: ${Buffer.byteLength(body)}`, '', body);
  return lines.join('\r\n');
}

/** A response to `req` echoing Via, From, To (with our tag when given), Call-ID and CSeq. */
export function buildResponse(
  req: SipText,
  status: number,
  reason: string,
  opts: { toTag?: string; contact?: string; body?: { type: string; text: string } } = {},
): string {
  let to = header(req, 'to') ?? '';
  if (opts.toTag && !tagOf(to)) to += `;tag=${opts.toTag}`;
  const lines = [`SIP/2.0 ${status} ${reason}`];
  for (const v of req.headers.get('via') ?? []) lines.push(`Via: ${v}`);
  lines.push(`From: ${header(req, 'from') ?? ''}`, `To: ${to}`, `Call-ID: ${header(req, 'call-id') ?? ''}`);
  lines.push(`CSeq: ${header(req, 'cseq') ?? ''}`);
  if (opts.contact) lines.push(`Contact: ${opts.contact}`);
  if (opts.body) lines.push(`Content-Type: ${opts.body.type}`);
  const body = opts.body?.text ?? '';
  lines.push(`Content-Length: ${Buffer.byteLength(body)}`, '', body);
  return lines.join('\r\n');
}

export interface SdpMedia {
  address: string;
  port: number;
  payloadTypes: number[];
}

/** An audio offer/answer with PCMU (0) and telephone-event (101). */
export function buildSdp(address: string, port: number, sessionId: number): string {
  return [
    'v=0',
    `o=bench ${sessionId} ${sessionId} IN IP4 ${address}`,
    's=switchboard-bench',
    `c=IN IP4 ${address}`,
    't=0 0',
    `m=audio ${port} RTP/AVP 0 101`,
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-16',
    'a=ptime:20',
    'a=sendrecv',
    '',
  ].join('\r\n');
}

/** The first audio m-line and its connection address (media-level c= wins over session-level). */
export function parseSdpAudio(sdp: string): SdpMedia | undefined {
  let session: string | undefined;
  let media: SdpMedia | undefined;
  for (const line of sdp.split(/\r?\n/)) {
    const c = /^c=IN IP[46] (\S+)/.exec(line);
    if (c) {
      if (media) media.address = c[1]!;
      else session = c[1];
      continue;
    }
    const m = /^m=(\w+) (\d+) \S+ ?(.*)$/.exec(line);
    if (m) {
      if (media) break;
      if (m[1] !== 'audio') continue;
      media = {
        address: session ?? '',
        port: Number(m[2]),
        payloadTypes: (m[3] ?? '').split(' ').filter(Boolean).map(Number),
      };
    }
  }
  return media && media.address ? media : undefined;
}
