import { Hono } from 'hono';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { notFound } from '../../http/errors.js';

/** The inbox page's files (demo/inbox/), by the name they are served under. */
const FILES: Record<string, { file: string; type: string }> = {
  '': { file: 'index.html', type: 'text/html; charset=utf-8' },
  'inbox.js': { file: 'inbox.js', type: 'text/javascript; charset=utf-8' },
  'inbox.css': { file: 'inbox.css', type: 'text/css; charset=utf-8' },
};

/** No inline script or style anywhere: the page's script and styles are files of this origin. */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' https: data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * `GET /demo/inbox/` and its script and styles (demo mode only): the sandbox messenger's
 * inbox, a plain page whose script talks to /demo/inbox/api. Read from disk on each request
 * (a demo page, a few KB), so editing it needs no restart.
 */
export function sandboxPageRoutes({ dir = defaultDir() }: { dir?: string } = {}) {
  const serve = (name: string) => {
    const entry = FILES[name];
    if (!entry) throw notFound('File');
    let body: string;
    try {
      body = readFileSync(join(dir, entry.file), 'utf8');
    } catch {
      throw notFound('File');
    }
    return new Response(body, {
      headers: {
        'Content-Type': entry.type,
        'Content-Security-Policy': CSP,
        'X-Content-Type-Options': 'nosniff',
        'Cache-Control': 'no-cache',
        'Referrer-Policy': 'no-referrer',
      },
    });
  };
  return new Hono({ strict: false })
    .get('/demo/inbox', () => serve(''))
    .get('/demo/inbox/:file{[a-z]+\\.(js|css)}', (c) => serve(c.req.param('file')));
}

/** demo/inbox next to package.json, whether this runs from relay/ (tsx) or dist/relay/. */
function defaultDir() {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'demo', 'inbox');
}
