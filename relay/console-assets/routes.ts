import { Hono } from 'hono';
import { builtDir, builtFiles } from '../http/built-files.js';
import { notFound } from '../http/errors.js';

/**
 * The console's policy: its own scripts, styles, images and API calls only — no inline
 * script or style, no eval, no frames. The forms page previews the real widget, whose
 * chunk is served by this relay under /widget/ (same origin).
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** `leads-Ab12_-xY.js`: rollup's content hash in the name, so the file never changes. */
const HASHED = /^[A-Za-z0-9_.]+-[A-Za-z0-9_-]{8,}\.(js|css|svg)$/;

export type ConsoleAssetOptions = {
  /** The built console; defaults to dist/console of the package this file belongs to. */
  dir?: string;
};

/**
 * The console (console/, built by rollup into dist/console/): `GET /console/` is its page,
 * revalidated on every load (`no-cache`, ETag) so a new build is picked up at once; the
 * hashed files it loads are immutable for a year. `/` and `/console` redirect to
 * `/console/`. Files are read and gzipped once, and again when they change on disk.
 */
export function consoleRoutes({ dir = builtDir('console') }: ConsoleAssetOptions = {}) {
  const files = builtFiles(dir, TYPES);

  return new Hono({ strict: false })
    .get('/', (c) => c.redirect('/console/', 302))
    .get('/console', (c) => {
      // Relative URLs in the page resolve against /console/, so the slash matters here.
      if (!new URL(c.req.url).pathname.endsWith('/')) return c.redirect('/console/', 301);
      const page = files.load('index.html');
      if (!page)
        return c.text('The console is not built: run `npm run build` (or `npm start`).', 503, {
          'Cache-Control': 'no-store',
        });
      return files.send(page, c.req, {
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Security-Policy': CONSOLE_CSP,
        'Cache-Control': 'no-cache',
        'Referrer-Policy': 'same-origin',
        'Cross-Origin-Opener-Policy': 'same-origin',
      });
    })
    .get('/console/:file', (c) => {
      const name = c.req.param('file');
      if (!HASHED.test(name)) throw notFound('File');
      return files.serve(name, c.req, { 'Cache-Control': 'public, max-age=31536000, immutable' });
    });
}
