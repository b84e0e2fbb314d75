import { Hono } from 'hono';
import { builtDir, builtFiles } from '../http/built-files.js';
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
export function widgetAssetRoutes({ dir = builtDir('widget') }: WidgetAssetOptions = {}) {
  const files = builtFiles(dir, TYPES);
  return new Hono({ strict: false }).get('/widget/*', (c) => {
    let name: string;
    try {
      name = decodeURIComponent(c.req.path.slice('/widget/'.length));
    } catch {
      throw notFound('File');
    }
    if (!SAFE_PATH.test(name)) throw notFound('File');
    return files.serve(name, c.req, {
      'Cache-Control': HASHED.test(name)
        ? 'public, max-age=31536000, immutable'
        : `public, max-age=${LOADER_MAX_AGE}`,
      'Access-Control-Allow-Origin': '*',
    });
  });
}
