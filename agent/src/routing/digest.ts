/**
 * HTTP/SIP digest authentication (RFC 2617, RFC 7616, RFC 8760 for SIP), pure: parse and format
 * challenges and credentials, compute responses. node:crypto does the hashing.
 */
import { createHash } from 'node:crypto';

export type DigestAlgorithm = 'MD5' | 'SHA-256';

export interface DigestChallenge {
  realm: string;
  nonce: string;
  algorithm: DigestAlgorithm;
  qop?: string[];
  opaque?: string;
  stale?: boolean;
}

export interface DigestCredentials {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  algorithm: DigestAlgorithm;
  qop?: string;
  nc?: string;
  cnonce?: string;
  opaque?: string;
}

export interface DigestInput {
  algorithm: DigestAlgorithm;
  username: string;
  realm: string;
  password: string;
  method: string;
  uri: string;
  nonce: string;
  qop?: string;
  nc?: string;
  cnonce?: string;
}

function hash(algorithm: DigestAlgorithm, text: string): string {
  return createHash(algorithm === 'MD5' ? 'md5' : 'sha256')
    .update(text, 'utf8')
    .digest('hex');
}

/** The request-digest (RFC 7616 §3.4.1); qop=auth when qop is given, RFC 2069 style otherwise. */
export function computeDigestResponse(i: DigestInput): string {
  const ha1 = hash(i.algorithm, `${i.username}:${i.realm}:${i.password}`);
  const ha2 = hash(i.algorithm, `${i.method}:${i.uri}`);
  if (i.qop) return hash(i.algorithm, `${ha1}:${i.nonce}:${i.nc ?? ''}:${i.cnonce ?? ''}:${i.qop}:${ha2}`);
  return hash(i.algorithm, `${ha1}:${i.nonce}:${ha2}`);
}

/** Parse `Digest k=v, k="v"` into lowercase keys. Undefined when the scheme is not Digest. */
export function parseDigestParams(header: string): Record<string, string> | undefined {
  const m = /^\s*Digest\s+(.*)$/is.exec(header);
  if (!m) return undefined;
  const out: Record<string, string> = {};
  const re = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*(?:,|$)/g;
  let p: RegExpExecArray | null;
  while ((p = re.exec(m[1]!)) !== null) {
    out[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] ?? '');
    if (p[0].length === 0) break;
  }
  return out;
}

export function parseAlgorithm(v: string | undefined): DigestAlgorithm | undefined {
  const a = (v ?? 'MD5').toUpperCase();
  return a === 'MD5' ? 'MD5' : a === 'SHA-256' ? 'SHA-256' : undefined;
}

export function parseChallenge(header: string): DigestChallenge | undefined {
  const p = parseDigestParams(header);
  const algorithm = parseAlgorithm(p?.algorithm);
  if (!p || !algorithm || p.realm === undefined || !p.nonce) return undefined;
  const ch: DigestChallenge = { realm: p.realm, nonce: p.nonce, algorithm };
  if (p.qop) ch.qop = p.qop.split(',').map((q) => q.trim().toLowerCase());
  if (p.opaque !== undefined) ch.opaque = p.opaque;
  if (p.stale?.toLowerCase() === 'true') ch.stale = true;
  return ch;
}

export function formatChallenge(ch: DigestChallenge): string {
  const parts = [`realm="${ch.realm}"`, `nonce="${ch.nonce}"`];
  if (ch.opaque !== undefined) parts.push(`opaque="${ch.opaque}"`);
  parts.push(`algorithm=${ch.algorithm}`);
  if (ch.qop) parts.push(`qop="${ch.qop.join(',')}"`);
  if (ch.stale) parts.push('stale=TRUE');
  return `Digest ${parts.join(', ')}`;
}

export function parseCredentials(header: string): DigestCredentials | undefined {
  const p = parseDigestParams(header);
  const algorithm = parseAlgorithm(p?.algorithm);
  if (!p || !algorithm || !p.username || p.realm === undefined || !p.nonce || !p.uri || !p.response)
    return undefined;
  const c: DigestCredentials = {
    username: p.username,
    realm: p.realm,
    nonce: p.nonce,
    uri: p.uri,
    response: p.response,
    algorithm,
  };
  if (p.qop) c.qop = p.qop.toLowerCase();
  if (p.nc) c.nc = p.nc;
  if (p.cnonce) c.cnonce = p.cnonce;
  if (p.opaque !== undefined) c.opaque = p.opaque;
  return c;
}

export function formatCredentials(c: DigestCredentials): string {
  const parts = [
    `username="${c.username}"`,
    `realm="${c.realm}"`,
    `nonce="${c.nonce}"`,
    `uri="${c.uri}"`,
    `response="${c.response}"`,
    `algorithm=${c.algorithm}`,
  ];
  if (c.qop) parts.push(`qop=${c.qop}`, `nc=${c.nc ?? '00000001'}`, `cnonce="${c.cnonce ?? ''}"`);
  if (c.opaque !== undefined) parts.push(`opaque="${c.opaque}"`);
  return `Digest ${parts.join(', ')}`;
}

/** Answer a challenge as a client (registration, or anything we send that gets 401/407). */
export function answerChallenge(
  ch: DigestChallenge,
  a: { username: string; password: string; method: string; uri: string; cnonce: string; nc: number },
): DigestCredentials {
  const qop = ch.qop?.includes('auth') ? 'auth' : undefined;
  const nc = a.nc.toString(16).padStart(8, '0');
  const input: DigestInput = {
    algorithm: ch.algorithm,
    username: a.username,
    realm: ch.realm,
    password: a.password,
    method: a.method,
    uri: a.uri,
    nonce: ch.nonce,
  };
  if (qop) Object.assign(input, { qop, nc, cnonce: a.cnonce });
  const c: DigestCredentials = {
    username: a.username,
    realm: ch.realm,
    nonce: ch.nonce,
    uri: a.uri,
    algorithm: ch.algorithm,
    response: computeDigestResponse(input),
  };
  if (qop) Object.assign(c, { qop, nc, cnonce: a.cnonce });
  if (ch.opaque !== undefined) c.opaque = ch.opaque;
  return c;
}

/** Pick the strongest challenge we support from several (RFC 8760 §2.4: SHA-256 over MD5). */
export function pickChallenge(headers: string[]): DigestChallenge | undefined {
  const all = headers.map(parseChallenge).filter((c): c is DigestChallenge => c !== undefined);
  return all.find((c) => c.algorithm === 'SHA-256') ?? all[0];
}
