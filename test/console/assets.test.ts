import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleRoutes, CONSOLE_CSP } from '../../relay/console-assets/routes.js';
import { startRelay, type Relay } from '../helpers/relay.js';

/** The built page's scripts and stylesheet, as the relay serves them. */
const assetsOf = (html: string) =>
  [...html.matchAll(/(?:src|href)="(\/console\/[^"]+)"/g)].map((m) => m[1]);

describe('console assets', () => {
  let relay: Relay;
  beforeAll(async () => {
    relay = await startRelay();
  });
  afterAll(() => relay?.close());

  it('redirects / and /console to /console/', async () => {
    const root = await relay.api.get('/');
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/console/');
    const bare = await relay.api.get('/console');
    expect(bare.status).toBe(301);
    expect(bare.headers.get('location')).toBe('/console/');
  });

  it('serves the page uncached under a strict CSP, naming its hashed files', async () => {
    const page = await relay.api.get('/console/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toBe(CONSOLE_CSP);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-(inline|eval)/);
    expect(page.text).not.toMatch(/<script(?![^>]*\bsrc=)/); // no inline script
    expect(page.text).not.toMatch(/<style|\sstyle=/); // no inline style

    const revalidated = await relay.api.get('/console/', {
      headers: { 'if-none-match': page.headers.get('etag')! },
    });
    expect(revalidated.status).toBe(304);
  });

  it('serves each hashed file immutable, gzipped on request', async () => {
    const page = await relay.api.get('/console/');
    const files = assetsOf(page.text);
    expect(files.some((f) => f.endsWith('.js'))).toBe(true);
    expect(files.some((f) => f.endsWith('.css'))).toBe(true);
    for (const file of files) {
      const plain = await relay.api.get(file);
      expect(plain.status, file).toBe(200);
      expect(plain.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(plain.headers.get('x-content-type-options')).toBe('nosniff');
      const zipped = await fetch(new URL(file, relay.url), {
        headers: { 'accept-encoding': 'gzip' },
      });
      expect(zipped.headers.get('content-encoding')).toBe('gzip');
      // fetch() decodes gzip itself: the same bytes either way.
      expect(await zipped.text()).toBe(plain.text);
    }
  });

  it('answers 404 for anything else under /console/, never a file outside it', async () => {
    for (const path of [
      '/console/index.html',
      '/console/nope-12345678.js',
      '/console/..%2fpackage.json',
      '/console/%2e%2e/%2e%2e/package.json',
      '/console/console.css',
    ]) {
      const res = await relay.api.get(path);
      expect(res.status, path).toBe(404);
      expect(res.body.status).toBe('error');
    }
  });

  it('says so when the console is not built', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'touchpoint-console-'));
    try {
      const app = consoleRoutes({ dir });
      const res = await app.request('/console/');
      expect(res.status).toBe(503);
      expect(await res.text()).toMatch(/npm run build/);
      writeFileSync(join(dir, 'index.html'), '<!doctype html><title>x</title>');
      const built = await app.request('/console/', { headers: { 'accept-encoding': 'gzip' } });
      expect(built.status).toBe(200);
      expect(gunzipSync(Buffer.from(await built.arrayBuffer())).toString()).toContain('<title>x');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
