import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelay, type Relay } from '../../helpers/relay.js';
import { counts, leadBody, ORIGIN, postLead, widgetShop, type WidgetShop } from './fixtures.js';

describe('public API CORS', () => {
  let relay: Relay;
  let shop: WidgetShop;
  const EVIL = 'https://evil.example';
  const preflight = (path: string, origin: string) =>
    relay.api.call('OPTIONS', path, undefined, {
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });

  beforeAll(async () => {
    relay = await startRelay({ publicRateLimit: 0 });
    shop = await widgetShop(relay);
  });
  afterAll(() => relay.close());

  it('answers an allowed origin with its CORS headers', async () => {
    const r = await postLead(relay, leadBody(shop.pk));
    expect(r.status).toBe(202);
    expect(r.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(r.headers.get('vary')).toMatch(/origin/i);
    const config = await relay.api.get(`/public/v1/config?key=${shop.pk}`, {
      headers: { origin: ORIGIN },
    });
    expect(config.headers.get('access-control-allow-origin')).toBe(ORIGIN);
  });

  it('refuses another origin with 403, no CORS headers, and stores nothing', async () => {
    const before = counts(relay);
    const r = await postLead(relay, leadBody(shop.pk), { origin: EVIL });
    expect(r.status).toBe(403);
    expect(r.body.errors.common).toMatch(/allowed_origins/);
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
    expect(r.headers.get('vary')).toMatch(/origin/i);
    const optin = await relay.api.post(
      '/public/v1/optins',
      { key: shop.pk },
      { headers: { origin: EVIL } },
    );
    expect(optin.status).toBe(403);
    const config = await relay.api.get(`/public/v1/config?key=${shop.pk}`, {
      headers: { origin: EVIL },
    });
    expect(config.status).toBe(403);
    expect(counts(relay)).toEqual(before);
  });

  it('does not let an origin allowed for another key use this one', async () => {
    const other = await widgetShop(relay, { origins: ['https://other-shop.example'] });
    const r = await postLead(relay, leadBody(shop.pk), { origin: 'https://other-shop.example' });
    expect(r.status).toBe(403);
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
    const own = await postLead(relay, leadBody(other.pk, { consent: { version: '2' } }), {
      origin: 'https://other-shop.example',
    });
    expect(own.status).toBe(202);
  });

  it('answers a preflight from an allowed origin, with or without a key in the URL', async () => {
    for (const path of [
      '/public/v1/leads',
      '/public/v1/optins',
      `/public/v1/leads?key=${shop.pk}`,
    ]) {
      const r = await preflight(path, ORIGIN);
      expect(r.status, path).toBe(204);
      expect(r.headers.get('access-control-allow-origin')).toBe(ORIGIN);
      expect(r.headers.get('access-control-allow-methods')).toMatch(/POST/);
      expect(r.headers.get('access-control-allow-headers')?.toLowerCase()).toContain(
        'content-type',
      );
      expect(Number(r.headers.get('access-control-max-age'))).toBeGreaterThan(0);
      expect(r.headers.get('vary')).toMatch(/origin/i);
    }
  });

  it('refuses a preflight from an origin no key allows, without CORS headers', async () => {
    for (const [path, origin] of [
      ['/public/v1/leads', EVIL],
      [`/public/v1/leads?key=${shop.pk}`, 'https://other-shop.example'],
      ['/public/v1/leads?key=pk_unknown', ORIGIN],
      ['/public/v1/leads', 'null'],
    ]) {
      const r = await preflight(path, origin);
      expect(r.status, `${path} ${origin}`).toBe(403);
      expect(r.headers.get('access-control-allow-origin')).toBeNull();
      expect(r.headers.get('access-control-allow-methods')).toBeNull();
    }
  });

  it('accepts a request without Origin (a server, an old browser)', async () => {
    const r = await postLead(relay, leadBody(shop.pk), { origin: null });
    expect(r.status).toBe(202);
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
  });
});
