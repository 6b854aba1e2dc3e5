/** Small pure helpers for SIP text the drachtio app reads: URIs, sipfrag bodies, Expires, specs. */
import type { MediaServerSpec } from './types.js';

export class DrachtioConfigError extends Error {
  readonly code = 'DRACHTIO_CONFIG';
  constructor(message: string) {
    super(message);
    this.name = 'DrachtioConfigError';
  }
}

/** User part of a sip:/sips:/tel: URI (optionally inside <...> with a display name); '' if none. */
export function uriUser(uri: string): string {
  const inner = /<([^>]*)>/.exec(uri)?.[1] ?? uri.trim();
  const m = /^(?:sips?|tel):([^@;?>]*)(@|$|;|\?)/i.exec(inner);
  if (!m) return '';
  const user = m[1] ?? '';
  // tel: URIs carry the number as the whole "user"; sip: URIs without '@' have no user part.
  if (/^tel:/i.test(inner) || m[2] === '@') return decodeURIComponent(user.split(':')[0] ?? '');
  return '';
}

/** The bare URI from a header value such as `"Bob" <sip:bob@host>;tag=1`. */
export function headerUri(value: string): string {
  return /<([^>]*)>/.exec(value)?.[1] ?? value.split(';')[0]!.trim();
}

/** Status code of a message/sipfrag body (`SIP/2.0 200 OK`), or undefined. */
export function sipfragStatus(body: string): { status: number; reason: string } | undefined {
  const m = /^SIP\/2\.0\s+(\d{3})\s*([^\r\n]*)/m.exec(body.trim());
  return m ? { status: Number(m[1]), reason: (m[2] ?? '').trim() } : undefined;
}

/** Expiry granted in a REGISTER response or asked for in a request: Contact ;expires= wins over Expires. */
export function expiresOf(
  contact: string | undefined,
  expiresHeader: string | undefined,
): number | undefined {
  const p = contact ? /;\s*expires\s*=\s*(\d+)/i.exec(contact) : null;
  if (p) return Number(p[1]);
  if (expiresHeader !== undefined && /^\s*\d+\s*$/.test(expiresHeader)) return Number(expiresHeader);
  return undefined;
}

/** FREESWITCH=host:port:secret[,host:port:secret...]; the secret may itself contain ':'. */
export function parseMediaServers(value: string | undefined): MediaServerSpec[] {
  if (!value || value.trim() === '') return [];
  return value.split(',').map((entry, i) => {
    const parts = entry.trim().split(':');
    const [host, port, ...secret] = parts;
    const portNum = Number(port);
    if (!host || !Number.isInteger(portNum) || portNum < 1 || portNum > 65_535 || secret.length === 0) {
      throw new DrachtioConfigError(`FREESWITCH entry ${i + 1}: expected host:port:secret`);
    }
    const s = secret.join(':');
    if (s === '' || s === 'ClueCon') {
      throw new DrachtioConfigError(
        `FREESWITCH entry ${i + 1}: set a real event-socket password (not empty, not ClueCon)`,
      );
    }
    return { host, port: portNum, secret: s };
  });
}

/** DTMF digits FreeSWITCH's uuid_send_dtmf accepts (plus w/W pauses); anything else is refused. */
export function isValidDtmf(digits: string): boolean {
  return /^[0-9A-Da-d*#wW]{1,32}$/.test(digits);
}

/** Authorization header params (`Digest username="a", realm="b", ...`). */
export function parseAuthParams(header: string): Record<string, string> {
  const out: Record<string, string> = {};
  const body = header.replace(/^\s*Digest\s+/i, '');
  const re = /([a-zA-Z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g;
  for (let m = re.exec(body); m; m = re.exec(body)) out[m[1]!.toLowerCase()] = m[2] ?? m[3] ?? '';
  return out;
}
