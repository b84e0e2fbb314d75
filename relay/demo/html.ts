import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { escapeHtml } from '../public/html.js';

/** Markup that is already safe: built by `html`, never from a raw string of a request. */
export class Html {
  constructor(readonly value: string) {}
}

const render = (v: unknown): string =>
  v instanceof Html
    ? v.value
    : Array.isArray(v)
      ? v.map(render).join('')
      : v == null || v === false
        ? ''
        : escapeHtml(String(v));

/** A tagged template that escapes every interpolated value (arrays are joined, Html kept). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  return new Html(strings.reduce((out, s, i) => out + render(values[i - 1]) + s));
}

/**
 * Fills the `{{name}}` placeholders of a page template, escaping each value unless it is
 * Html. A placeholder without a value is a bug in the page, so it throws.
 */
export function fill(template: string, values: Record<string, unknown>): string {
  return template.replace(/\{\{([a-z_]+)\}\}/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`demo page: no value for {{${name}}}`);
    return render(values[name]);
  });
}

/** demo/shop next to package.json, whether this runs from relay/ (tsx) or dist/relay/. */
export function shopDir() {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'demo', 'shop');
}

/** A file of demo/shop, read on each request (a few KB) so that editing it needs no restart. */
export const readShopFile = (dir: string, name: string) => readFileSync(join(dir, name), 'utf8');
