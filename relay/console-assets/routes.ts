import { Hono } from 'hono';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
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

type Asset = { body: Uint8Array; gzip: Uint8Array; etag: string; mtimeMs: number };

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
export function consoleRoutes({ dir = defaultDir() }: ConsoleAssetOptions = {}) {
  const root = resolve(dir);
  const cache = new Map<string, Asset>();

  const load = (name: string): Asset | undefined => {
    const file = resolve(root, name);
    if (!file.startsWith(root + sep)) return undefined;
    let mtimeMs: number;
    try {
      const stat = statSync(file);
      if (!stat.isFile()) return undefined;
      mtimeMs = stat.mtimeMs;
    } catch {
      return undefined;
    }
    const cached = cache.get(name);
    if (cached?.mtimeMs === mtimeMs) return cached;
    const body = readFileSync(file);
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
    const asset = { body, gzip: gzipSync(body, { level: 9 }), etag, mtimeMs };
    cache.set(name, asset);
    return asset;
  };

  const send = (
    asset: Asset,
    req: { header(name: string): string | undefined },
    headers: Record<string, string>,
  ) => {
    const common = {
      ...headers,
      ETag: asset.etag,
      'X-Content-Type-Options': 'nosniff',
      Vary: 'Accept-Encoding',
    };
    if (matches(req.header('if-none-match'), asset.etag))
      return new Response(null, { status: 304, headers: common });
    const gzip = /\bgzip\b/.test(req.header('accept-encoding') ?? '');
    return new Response((gzip ? asset.gzip : asset.body) as Uint8Array<ArrayBuffer>, {
      headers: gzip ? { ...common, 'Content-Encoding': 'gzip' } : common,
    });
  };

  return new Hono({ strict: false })
    .get('/', (c) => c.redirect('/console/', 302))
    .get('/console', (c) => {
      // Relative URLs in the page resolve against /console/, so the slash matters here.
      if (!new URL(c.req.url).pathname.endsWith('/')) return c.redirect('/console/', 301);
      const page = load('index.html');
      if (!page)
        return c.text('The console is not built: run `npm run build` (or `npm start`).', 503, {
          'Cache-Control': 'no-store',
        });
      return send(page, c.req, {
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Security-Policy': CONSOLE_CSP,
        'Cache-Control': 'no-cache',
        'Referrer-Policy': 'same-origin',
        'Cross-Origin-Opener-Policy': 'same-origin',
      });
    })
    .get('/console/:file', (c) => {
      const name = c.req.param('file');
      const type = TYPES[name.slice(name.lastIndexOf('.'))];
      const asset = type && HASHED.test(name) ? load(name) : undefined;
      if (!asset) throw notFound('File');
      return send(asset, c.req, {
        'Content-Type': type,
        'Cache-Control': 'public, max-age=31536000, immutable',
      });
    });
}

/** If-None-Match is a list of entity tags, or `*` (RFC 9110 §13.1.2); weak tags compare too. */
const matches = (header: string | undefined, etag: string) =>
  !!header &&
  header.split(',').some((t) => {
    const tag = t.trim().replace(/^W\//, '');
    return tag === '*' || tag === etag;
  });

/** dist/console next to package.json, whether this runs from relay/ (tsx) or dist/relay/. */
function defaultDir() {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'dist', 'console');
}
