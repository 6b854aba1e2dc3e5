/**
 * The app's own origin: packaged renderer files are served from app://phone/ (a privileged, secure,
 * standard scheme), never file://. Pure helpers, unit-tested.
 */
import { isAbsolute, join, normalize, relative } from 'node:path';

export const APP_SCHEME = 'app';
export const APP_HOST = 'phone';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_START_URL = `${APP_ORIGIN}/index.html`;

/** Same CSP as index.html's meta tag, also sent as a header by the protocol handler. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self' blob: mediastream:; " +
  "connect-src 'self' ws: wss: http: https:; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch {
    return false;
  }
}

/** Map app://phone/<path> to a file inside distDir; undefined for anything outside it or another origin. */
export function resolveAppFile(distDir: string, url: string): string | undefined {
  if (!isAppUrl(url)) return undefined;
  let path: string;
  try {
    path = decodeURIComponent(new URL(url).pathname);
  } catch {
    return undefined;
  }
  if (path.includes('\0')) return undefined;
  const file = normalize(join(distDir, path === '/' ? 'index.html' : path));
  const rel = relative(distDir, file);
  if (rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return file;
}
