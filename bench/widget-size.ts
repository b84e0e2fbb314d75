import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** The widget's budget in gzip bytes (1 KB = 1024 bytes; gzip level 9, as the relay serves it). */
export const BUDGET = { loader: 2 * 1024, total: 16 * 1024 } as const;

export type BundleSize = {
  /** touchpoint.js, gzip bytes. */
  loader: number;
  /** The loader plus every chunk it imports (statically, transitively): what a page downloads. */
  total: number;
  files: { name: string; raw: number; gzip: number }[];
};

/**
 * Sizes of dist/widget as a page with all three elements downloads it: the loader, the
 * elements chunk it imports, and the chunks those import.
 */
export function measureBundle(dir = join(process.cwd(), 'dist', 'widget')): BundleSize {
  const files: BundleSize['files'] = [];
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    const body = readFileSync(join(dir, name));
    files.push({ name, raw: body.length, gzip: gzipSync(body, { level: 9 }).length });
    const code = body.toString('utf8');
    // The loader names its chunk as a string; chunks import each other with "./x.js".
    for (const m of code.matchAll(/["'`]\.\/([\w.-]+\.js)["'`]/g)) visit(m[1]);
  };
  visit('touchpoint.js');
  return {
    loader: files[0].gzip,
    total: files.reduce((sum, f) => sum + f.gzip, 0),
    files,
  };
}
