import { Hono } from 'hono';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { notFound } from '../http/errors.js';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** `elements-Ab12_-xY.js`: rollup's content hash in the name, so the file never changes. */
const HASHED = /-[A-Za-z0-9_-]{8,}\.(js|css|map)$/;
/** Plain path segments only: no `..`, no dot files, no encoded separators. */
const SAFE_PATH = /^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/;

/** The loader's cache lifetime: short, so a new release reaches pages within minutes. */
export const LOADER_MAX_AGE = 300;

type Asset = { body: Uint8Array; gzip: Uint8Array; etag: string; type: string; mtimeMs: number };

export type WidgetAssetOptions = {
  /** The built widget; defaults to dist/widget of the package this file belongs to. */
  dir?: string;
};

/**
 * `GET /widget/*`: the widget as rollup built it. Hashed chunks are immutable for a year;
 * `touchpoint.js` and the manifest are revalidated after five minutes (ETag). Files are
 * read once, gzipped once, and re-read when they change on disk (a rebuild during `dev`).
 * Public by nature: any origin may load them (`Access-Control-Allow-Origin: *`).
 */
export function widgetAssetRoutes({ dir = defaultDir() }: WidgetAssetOptions = {}) {
  const root = resolve(dir);
  const cache = new Map<string, Asset>();

  const load = (name: string): Asset | undefined => {
    const type = TYPES[name.slice(name.lastIndexOf('.'))];
    const file = resolve(root, name);
    if (!type || !SAFE_PATH.test(name) || !file.startsWith(root + sep)) return undefined;
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
    const asset = { body, gzip: gzipSync(body, { level: 9 }), etag, type, mtimeMs };
    cache.set(name, asset);
    return asset;
  };

  return new Hono({ strict: false }).get('/widget/*', (c) => {
    let name: string;
    try {
      name = decodeURIComponent(c.req.path.slice('/widget/'.length));
    } catch {
      throw notFound('File');
    }
    const asset = load(name);
    if (!asset) throw notFound('File');

    c.header('Content-Type', asset.type);
    c.header(
      'Cache-Control',
      HASHED.test(name)
        ? 'public, max-age=31536000, immutable'
        : `public, max-age=${LOADER_MAX_AGE}`,
    );
    c.header('ETag', asset.etag);
    c.header('Access-Control-Allow-Origin', '*');
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Vary', 'Accept-Encoding');
    if (matches(c.req.header('if-none-match'), asset.etag)) return c.body(null, 304);
    if (/\bgzip\b/.test(c.req.header('accept-encoding') ?? '')) {
      c.header('Content-Encoding', 'gzip');
      return c.body(asset.gzip as Uint8Array<ArrayBuffer>);
    }
    return c.body(asset.body as Uint8Array<ArrayBuffer>);
  });
}

/** If-None-Match is a list of entity tags, or `*` (RFC 9110 §13.1.2); weak tags compare too. */
const matches = (header: string | undefined, etag: string) =>
  !!header &&
  header.split(',').some((t) => {
    const tag = t.trim().replace(/^W\//, '');
    return tag === '*' || tag === etag;
  });

/** dist/widget next to package.json, whether this runs from relay/ (tsx) or dist/relay/. */
function defaultDir() {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'dist', 'widget');
}
