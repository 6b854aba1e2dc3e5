/**
 * Serves built web apps (the softphone) from directories: GET <prefix>/… maps to files under the
 * directory; the prefix itself and unknown extension-less paths get index.html (single-page app);
 * nothing outside the directory and no dotfiles are ever served.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.mp3': 'audio/mpeg',
  '.wav': 'audio/wav',
  '.ogg': 'audio/ogg',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

/** "/phone/" → "/phone"; "phone" → "/phone"; "/" → "". */
export function normalizePrefix(prefix: string): string {
  const p = `/${prefix}`.replace(/\/+/g, '/').replace(/\/$/, '');
  return p;
}

/** The file a request path maps to, or undefined when it would leave the root or touch a dotfile. */
export function resolveInside(root: string, relative: string): string | undefined {
  if (relative.includes('\0')) return undefined;
  const segments = relative.split(/[/\\]/).filter((s) => s !== '');
  if (segments.some((s) => s.startsWith('.'))) return undefined;
  const full = resolve(root, ...segments);
  return full === root || full.startsWith(root + sep) ? full : undefined;
}

async function fileAt(path: string): Promise<string | undefined> {
  try {
    const s = await stat(path);
    if (s.isFile()) return path;
    if (s.isDirectory()) return fileAt(resolve(path, 'index.html'));
  } catch {
    // missing
  }
  return undefined;
}

function sendFile(reply: FastifyReply, path: string): FastifyReply {
  const ext = extname(path).toLowerCase();
  return reply
    .header('content-type', MIME[ext] ?? 'application/octet-stream')
    .header('cache-control', ext === '.html' ? 'no-cache' : 'public, max-age=300')
    .header('x-content-type-options', 'nosniff')
    .send(createReadStream(path));
}

export function registerStaticDirs(app: FastifyInstance, dirs: Record<string, string>): void {
  for (const [rawPrefix, dir] of Object.entries(dirs)) {
    const prefix = normalizePrefix(rawPrefix);
    const root = resolve(dir);
    // Relative asset URLs in index.html need the trailing slash.
    if (prefix !== '') app.get(prefix, async (_req, reply) => reply.redirect(`${prefix}/`, 301));
    app.get<{ Params: { '*': string } }>(`${prefix}/*`, async (req, reply) => {
      const rel = req.params['*'] ?? '';
      const target = resolveInside(root, rel);
      if (target === undefined) return reply.code(404).send({ error: 'not_found' });
      const file =
        (await fileAt(target)) ??
        (extname(target) === '' ? await fileAt(resolve(root, 'index.html')) : undefined);
      if (file === undefined) return reply.code(404).send({ error: 'not_found' });
      return sendFile(reply, file);
    });
  }
}
