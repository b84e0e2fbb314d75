import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { notFound } from './errors.js';

export type BuiltFile = { body: Uint8Array; gzip: Uint8Array; etag: string; mtimeMs: number };

type Request = { header(name: string): string | undefined };

/**
 * The files rollup built into `dir` (the widget's, the console's), served as they are. Each
 * is read and gzipped once, and again when it changes on disk (a rebuild during `dev`); its
 * ETag is a hash of its bytes. Nothing outside `dir` is ever read.
 */
export function builtFiles(dir: string, types: Record<string, string>) {
  const root = resolve(dir);
  const cache = new Map<string, BuiltFile>();

  /** The file `name` (a path below the folder), or undefined when there is none. */
  const load = (name: string): BuiltFile | undefined => {
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

  /**
   * The file with `headers` (its type and cache policy among them), its ETag, `nosniff` and
   * `Vary: Accept-Encoding`: 304 to a matching If-None-Match, gzip to a client that takes it.
   */
  const send = (asset: BuiltFile, req: Request, headers: Record<string, string>) => {
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

  return {
    load,
    send,
    /**
     * The file `name` as `send` answers it, typed by its extension; 404 in the API's envelope
     * when its extension is not one of `types` or there is no such file.
     */
    serve(name: string, req: Request, headers: Record<string, string>) {
      const type = types[name.slice(name.lastIndexOf('.'))];
      const asset = type ? load(name) : undefined;
      if (!asset) throw notFound('File');
      return send(asset, req, { 'Content-Type': type, ...headers });
    },
  };
}

/** If-None-Match is a list of entity tags, or `*` (RFC 9110 §13.1.2); weak tags compare too. */
const matches = (header: string | undefined, etag: string) =>
  !!header &&
  header.split(',').some((t) => {
    const tag = t.trim().replace(/^W\//, '');
    return tag === '*' || tag === etag;
  });

/** dist/`name` next to package.json, whether this runs from relay/ (tsx) or dist/relay/. */
export function builtDir(name: string) {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'dist', name);
}
