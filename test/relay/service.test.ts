import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelay, type Relay } from '../helpers/relay.js';

describe('service endpoints', () => {
  let relay: Relay;
  beforeAll(async () => {
    relay = await startRelay();
  });
  afterAll(() => relay.close());

  it('answers /healthz', async () => {
    const r = await relay.api.get('/healthz');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ status: 'ok' });
  });

  it('publishes an OpenAPI 3.1 document of the management API with canonical trailing slashes', async () => {
    const r = await relay.api.get('/api/openapi.json');
    expect(r.status).toBe(200);
    expect(r.body.openapi).toBe('3.1.0');
    const paths = Object.keys(r.body.paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/api/auth/login/',
        '/api/shop/shops/',
        '/api/shop/shops/{id}/',
        '/api/shop/keys/',
      ]),
    );
    expect(paths.filter((p) => p.startsWith('/api/')).every((p) => p.endsWith('/'))).toBe(true);
    expect(r.body.components.securitySchemes.bearer).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
    const create = r.body.paths['/api/shop/keys/'].post;
    expect(create.requestBody.content['application/json'].schema).toBeDefined();
  });

  it('serves the interactive reference and its assets without a CDN', async () => {
    const page = await relay.api.get('/api/docs');
    expect(page.status).toBe(200);
    expect(page.text).toContain('/api/openapi.json');
    const css = page.text.match(/href="([^"]+swagger-ui\.css)"/)?.[1];
    const js = page.text.match(/src="([^"]+swagger-ui-bundle\.js)"/)?.[1];
    expect(css).toMatch(/^\/api\/docs\/assets\//);
    for (const asset of [css!, js!]) {
      const r = await fetch(new URL(asset, relay.url));
      expect(r.status, asset).toBe(200);
      expect((await r.text()).length).toBeGreaterThan(1000);
    }
  });
});
