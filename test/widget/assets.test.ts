import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelay, type Relay } from '../helpers/relay.js';

const hashed = () =>
  readdirSync(join(process.cwd(), 'dist/widget')).find((f) => /^elements-.+\.js$/.test(f))!;

describe('widget assets', () => {
  let relay: Relay;
  beforeAll(async () => {
    relay = await startRelay();
  });
  afterAll(() => relay.close());

  it('serves the loader as JavaScript with a short cache and an ETag', async () => {
    const res = await relay.api.get('/widget/touchpoint.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    expect(res.headers.get('etag')).toMatch(/^"[\w-]+"$/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.text).toContain('Touchpoint');
  });

  it('answers 304 to a matching If-None-Match', async () => {
    const first = await relay.api.get('/widget/touchpoint.js');
    const etag = first.headers.get('etag')!;
    const again = await relay.api.get('/widget/touchpoint.js', {
      headers: { 'if-none-match': `W/${etag}` },
    });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
  });

  it('caches hashed chunks for a year as immutable', async () => {
    const res = await relay.api.get(`/widget/${hashed()}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  });

  it('serves the custom elements manifest as JSON', async () => {
    const res = await relay.api.get('/widget/custom-elements.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const tags = res.body.modules
      .flatMap((m: any) => m.declarations ?? [])
      .map((d: any) => d.tagName);
    expect(tags).toEqual(expect.arrayContaining(['tp-lead-form', 'tp-subscribe', 'tp-launcher']));
  });

  it('sends gzip to clients that accept it', async () => {
    const res = await fetch(`${relay.url}/widget/touchpoint.js`, {
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(res.headers.get('vary')).toBe('Accept-Encoding');
    expect(await res.text()).toContain('Touchpoint'); // fetch decodes it
  });

  it('answers 404 in the error envelope for missing files and path tricks', async () => {
    for (const path of [
      '/widget/nope.js',
      '/widget/../package.json',
      '/widget/%2e%2e/package.json',
      '/widget/..%2fpackage.json',
      '/widget/esm/../../../package.json',
      '/widget/.hidden.js',
      '/widget/touchpoint.ts',
      '/widget/',
      '/widget/esm',
    ]) {
      const res = await relay.api.get(path);
      expect(res.status, path).toBe(404);
      expect(res.body, path).toEqual({ status: 'error', errors: { common: expect.any(String) } });
    }
  });
});
