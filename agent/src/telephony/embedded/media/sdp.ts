/**
 * SDP (RFC 8866) parse and serialise: just the structure offer/answer needs, unknown lines kept.
 * Pure; no policy here (see sdp-answer.ts).
 */

export interface SdpConnection {
  netType: string;
  addrType: 'IP4' | 'IP6' | string;
  address: string;
}

export interface SdpOrigin {
  username: string;
  sessionId: string;
  sessionVersion: string;
  netType: string;
  addrType: string;
  address: string;
}

export interface SdpAttribute {
  name: string;
  /** Absent for property attributes such as a=sendrecv. */
  value?: string;
}

export interface SdpMedia {
  type: string;
  port: number;
  /** From "m=audio 49170/2 …". */
  portCount?: number;
  proto: string;
  formats: string[];
  connection?: SdpConnection;
  attributes: SdpAttribute[];
  /** i=, b=, k= lines in order, as "x=value". */
  other: string[];
}

export interface SdpSession {
  version: number;
  origin: SdpOrigin;
  name: string;
  connection?: SdpConnection;
  /** t= and r=/z= lines, and any other session lines we do not model, in order. */
  other: string[];
  attributes: SdpAttribute[];
  media: SdpMedia[];
}

export class SdpParseError extends Error {
  readonly code = 'sdp_parse';
  constructor(message: string) {
    super(message);
    this.name = 'SdpParseError';
  }
}

const LINE = /^([a-z])=(.*)$/;

function parseConnection(value: string): SdpConnection {
  const parts = value.trim().split(/\s+/);
  if (parts.length !== 3) throw new SdpParseError(`bad c= line: ${value.slice(0, 80)}`);
  // Multicast TTL suffixes (a.b.c.d/127) are dropped: we only do unicast.
  return { netType: parts[0]!, addrType: parts[1]!, address: parts[2]!.split('/')[0]! };
}

function parseOrigin(value: string): SdpOrigin {
  const p = value.trim().split(/\s+/);
  if (p.length !== 6) throw new SdpParseError(`bad o= line: ${value.slice(0, 80)}`);
  return {
    username: p[0]!,
    sessionId: p[1]!,
    sessionVersion: p[2]!,
    netType: p[3]!,
    addrType: p[4]!,
    address: p[5]!,
  };
}

function parseMediaLine(value: string): SdpMedia {
  const p = value.trim().split(/\s+/);
  const portMatch = /^(\d+)(?:\/(\d+))?$/.exec(p[1] ?? '');
  if (p.length < 3 || !portMatch) throw new SdpParseError(`bad m= line: ${value.slice(0, 80)}`);
  const port = Number(portMatch[1]);
  if (port > 65535) throw new SdpParseError(`bad m= port: ${port}`);
  const media: SdpMedia = { type: p[0]!, port, proto: p[2]!, formats: p.slice(3), attributes: [], other: [] };
  if (portMatch[2] !== undefined) media.portCount = Number(portMatch[2]);
  return media;
}

function parseAttribute(value: string): SdpAttribute {
  const colon = value.indexOf(':');
  if (colon < 0) return { name: value.trim() };
  return { name: value.slice(0, colon).trim(), value: value.slice(colon + 1).trim() };
}

/** Parse an SDP body; throws SdpParseError when it is not SDP we can use. */
export function parseSdp(text: string): SdpSession {
  const lines = text.split(/\r?\n/).filter((l) => l.trim().length > 0);
  let version: number | undefined;
  let origin: SdpOrigin | undefined;
  let name: string | undefined;
  let connection: SdpConnection | undefined;
  const other: string[] = [];
  const attributes: SdpAttribute[] = [];
  const media: SdpMedia[] = [];
  for (const raw of lines) {
    const m = LINE.exec(raw.trimEnd());
    if (!m) throw new SdpParseError(`not an SDP line: ${raw.slice(0, 80)}`);
    const [, type, value] = m as unknown as [string, string, string];
    const current = media[media.length - 1];
    if (type === 'm') media.push(parseMediaLine(value));
    else if (type === 'a') (current ? current.attributes : attributes).push(parseAttribute(value));
    else if (type === 'c') {
      if (current) current.connection = parseConnection(value);
      else connection = parseConnection(value);
    } else if (current) current.other.push(`${type}=${value}`);
    else if (type === 'v') version = Number(value);
    else if (type === 'o') origin = parseOrigin(value);
    else if (type === 's') name = value;
    else other.push(`${type}=${value}`);
  }
  if (version !== 0) throw new SdpParseError('missing or unsupported v= line');
  if (!origin) throw new SdpParseError('missing o= line');
  const session: SdpSession = { version, origin, name: name ?? '-', other, attributes, media };
  if (connection) session.connection = connection;
  return session;
}

function attributeLine(a: SdpAttribute): string {
  return a.value === undefined ? `a=${a.name}` : `a=${a.name}:${a.value}`;
}

function connectionLine(c: SdpConnection): string {
  return `c=${c.netType} ${c.addrType} ${c.address}`;
}

/** Serialise with CRLF line ends (RFC 8866 §5). */
export function serializeSdp(s: SdpSession): string {
  const o = s.origin;
  const out = [
    `v=${s.version}`,
    `o=${o.username} ${o.sessionId} ${o.sessionVersion} ${o.netType} ${o.addrType} ${o.address}`,
    `s=${s.name || '-'}`,
  ];
  if (s.connection) out.push(connectionLine(s.connection));
  out.push(...s.other);
  if (!s.other.some((l) => l.startsWith('t='))) out.push('t=0 0');
  out.push(...s.attributes.map(attributeLine));
  for (const m of s.media) {
    const port = m.portCount !== undefined ? `${m.port}/${m.portCount}` : `${m.port}`;
    out.push(`m=${m.type} ${port} ${m.proto} ${m.formats.join(' ')}`.trimEnd());
    out.push(...m.other.filter((l) => l.startsWith('i=')));
    if (m.connection) out.push(connectionLine(m.connection));
    out.push(...m.other.filter((l) => !l.startsWith('i=')));
    out.push(...m.attributes.map(attributeLine));
  }
  return out.join('\r\n') + '\r\n';
}

/** Values of every a=<name> in the list. */
export function attributeValues(attrs: readonly SdpAttribute[], name: string): string[] {
  const out: string[] = [];
  for (const a of attrs) if (a.name.toLowerCase() === name && a.value !== undefined) out.push(a.value);
  return out;
}

export type SdpDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

const DIRECTIONS: readonly string[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];

/** Media-level direction, else session-level, else sendrecv (RFC 3264 §5.1). */
export function directionOf(session: SdpSession, media: SdpMedia): SdpDirection {
  for (const list of [media.attributes, session.attributes]) {
    for (const a of list)
      if (DIRECTIONS.includes(a.name.toLowerCase())) return a.name.toLowerCase() as SdpDirection;
  }
  return 'sendrecv';
}
