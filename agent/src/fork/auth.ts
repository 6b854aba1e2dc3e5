/** Credentials on the fork WebSocket upgrade: HTTP Basic (mod_audio_fork) or ?token= in the URL. */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export interface ForkCredentials {
  username: string;
  password: string;
  token: string;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function isAuthorized(req: IncomingMessage, creds: ForkCredentials): boolean {
  const header = req.headers.authorization;
  if (header && /^basic /i.test(header)) {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      const userOk = safeEqual(decoded.slice(0, colon), creds.username);
      const passOk = safeEqual(decoded.slice(colon + 1), creds.password);
      if (userOk && passOk) return true;
    }
  }
  const url = new URL(req.url ?? '/', 'http://fork.invalid');
  const token = url.searchParams.get('token');
  return token !== null && safeEqual(token, creds.token);
}

export function basicAuthHeader(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}
