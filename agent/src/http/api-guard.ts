/**
 * Guards /api/*: same-origin only, except origins the operator lists (the Electron softphone's
 * app://phone), which get CORS headers for simple GETs and EventSource; any other cross-origin browser
 * request is refused outright. When an API token is configured, `Authorization: Bearer <token>` or
 * `?token=<token>` (EventSource cannot set headers).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const API_PREFIX = '/api';

export function isApiPath(url: string): boolean {
  const path = url.split('?', 1)[0] ?? '';
  return path === API_PREFIX || path.startsWith(`${API_PREFIX}/`);
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Constant-time comparison (of digests, so lengths do not leak either). */
export function tokenMatches(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  return timingSafeEqual(digest(presented), digest(expected));
}

export function presentedToken(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization;
  if (auth) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    return m?.[1];
  }
  const q = (req.query as Record<string, unknown> | undefined)?.token;
  return typeof q === 'string' ? q : undefined;
}

/** A browser request whose Origin is not this server's own host (scheme-agnostic, for TLS proxies). */
export function isCrossOrigin(req: FastifyRequest): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  try {
    return new URL(origin).host !== req.headers.host;
  } catch {
    return true; // "null" (sandboxed / file://) and garbage
  }
}

export function apiGuard(apiToken: string | undefined, allowedOrigins: readonly string[] = []) {
  // Fastify's rule for async hooks that answer: send, then return the reply.
  return async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    if (!isApiPath(req.url)) return undefined;
    if (isCrossOrigin(req)) {
      const origin = req.headers.origin!;
      if (!allowedOrigins.includes(origin)) return reply.code(403).send({ error: 'cross_origin' });
      reply.header('access-control-allow-origin', origin).header('vary', 'Origin');
    }
    if (apiToken !== undefined && !tokenMatches(presentedToken(req), apiToken)) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="switchboard"')
        .send({ error: 'unauthorized' });
    }
    return undefined;
  };
}
