import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearPublicCaches } from '../../../relay/public/cache.js';
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
  /** What lets a browser page on `origin` read the answer (no credentials, ever). */
  const readableBy = (r: { headers: Headers }, origin: string) => {
    expect(r.headers.get('access-control-allow-origin')).toBe(origin);
    expect(r.headers.get('access-control-expose-headers')).toMatch(/Retry-After/);
    expect(r.headers.get('access-control-allow-credentials')).toBeNull();
    expect(r.headers.get('vary')).toMatch(/origin/i);
  };

  beforeAll(async () => {
    relay = await startRelay({ publicRateLimit: 0 });
    shop = await widgetShop(relay);
  });
  afterAll(() => relay.close());

  it('answers an allowed origin with its CORS headers', async () => {
    const r = await postLead(relay, leadBody(shop.pk));
    expect(r.status).toBe(202);
    readableBy(r, ORIGIN);
    const config = await relay.api.get(`/public/v1/config?key=${shop.pk}`, {
      headers: { origin: ORIGIN },
    });
    readableBy(config, ORIGIN);
  });

  it('refuses another origin with a 403 the page can read, naming the origin, and stores nothing', async () => {
    const before = counts(relay);
    const r = await postLead(relay, leadBody(shop.pk), { origin: EVIL });
    expect(r.status).toBe(403);
    expect(r.body.errors.common).toBe(
      `This website (${EVIL}) may not use this key: add its origin to the key’s allowed_origins.`,
    );
    readableBy(r, EVIL);
    const optin = await relay.api.post(
      '/public/v1/optins',
      { key: shop.pk },
      { headers: { origin: EVIL } },
    );
    expect(optin.status).toBe(403);
    readableBy(optin, EVIL);
    const config = await relay.api.get(`/public/v1/config?key=${shop.pk}`, {
      headers: { origin: EVIL },
    });
    expect(config.status).toBe(403);
    readableBy(config, EVIL);
    expect(config.text).not.toContain('callback'); // the config itself never leaks
    expect(counts(relay)).toEqual(before);
  });

  it('does not let an origin allowed for another key use this one', async () => {
    const other = await widgetShop(relay, { origins: ['https://other-shop.example'] });
    const r = await postLead(relay, leadBody(shop.pk), { origin: 'https://other-shop.example' });
    expect(r.status).toBe(403);
    readableBy(r, 'https://other-shop.example');
    const own = await postLead(relay, leadBody(other.pk, { consent: { version: '2' } }), {
      origin: 'https://other-shop.example',
    });
    expect(own.status).toBe(202);
  });

  it('answers every preflight, whatever the origin: the request it announces is what is checked', async () => {
    for (const [path, origin] of [
      ['/public/v1/leads', ORIGIN],
      ['/public/v1/optins', ORIGIN],
      [`/public/v1/leads?key=${shop.pk}`, ORIGIN],
      ['/public/v1/leads', EVIL],
      [`/public/v1/leads?key=${shop.pk}`, 'https://other-shop.example'],
      ['/public/v1/leads?key=pk_unknown', ORIGIN],
      ['/public/v1/leads', 'null'],
    ]) {
      const r = await preflight(path, origin);
      expect(r.status, `${path} ${origin}`).toBe(204);
      expect(r.headers.get('access-control-allow-origin')).toBe(origin);
      expect(r.headers.get('access-control-allow-methods')).toMatch(/POST/);
      expect(r.headers.get('access-control-allow-headers')?.toLowerCase()).toContain(
        'content-type',
      );
      expect(Number(r.headers.get('access-control-max-age'))).toBeGreaterThan(0);
      expect(r.headers.get('access-control-allow-credentials')).toBeNull();
      expect(r.headers.get('vary')).toMatch(/origin/i);
    }
  });

  it('lets the page read every other public refusal too', async () => {
    const before = counts(relay);
    const from = { headers: { origin: EVIL } };
    const refusals = [
      await relay.api.get('/public/v1/config', from), // no key
      await relay.api.get('/public/v1/config?key=pk_unknown', from),
      await relay.api.get('/public/v1/config?key=sk_live_secret', from),
      await relay.api.get('/public/v1/conifg', from), // a typo in a hand-written call
      await relay.api.post('/public/v1/leads', 'name=Ann', {
        headers: { origin: EVIL, 'content-type': 'application/x-www-form-urlencoded' },
      }),
      await relay.api.post('/public/v1/leads', 'x'.repeat(70 * 1024), {
        headers: { origin: EVIL, 'content-type': 'application/json' },
      }),
      await postLead(relay, leadBody(shop.pk, { fields: 'nope' }), { origin: ORIGIN }),
    ];
    expect(refusals.map((r) => r.status)).toEqual([401, 401, 401, 404, 415, 413, 400]);
    refusals.slice(0, -1).forEach((r) => readableBy(r, EVIL));
    readableBy(refusals.at(-1)!, ORIGIN);
    for (const r of refusals) expect(r.body.errors.common).toEqual(expect.any(String));
    expect(counts(relay)).toEqual(before);
  });

  it('tells a revoked key apart in a sentence the page can read', async () => {
    const revoked = await widgetShop(relay);
    const del = await relay.api.delete(
      `/api/shop/keys/${revoked.keyId}/?shop_id=${revoked.shopId}`,
      { token: revoked.token },
    );
    expect(del.status).toBe(200);
    clearPublicCaches();
    const r = await relay.api.get(`/public/v1/config?key=${revoked.pk}`, {
      headers: { origin: ORIGIN },
    });
    expect(r.status).toBe(401);
    expect(r.body.errors.common).toBe('This publishable key is not valid or was revoked.');
    readableBy(r, ORIGIN);
  });

  it('never lets a page on an origin the key does not allow read a success', async () => {
    // A plain form post from a page with a no-referrer policy arrives with `Origin: null`:
    // accepted as no origin, and its redirect carries no CORS header.
    const post = await relay.api.post(
      `/public/v1/forms/${shop.pk}`,
      new URLSearchParams({
        form: 'callback',
        name: 'Ann',
        phone: '+7 912 345-67-89',
        consent: 'on',
      }).toString(),
      { headers: { origin: 'null', 'content-type': 'application/x-www-form-urlencoded' } },
    );
    expect(post.status).toBe(303);
    expect(post.headers.get('access-control-allow-origin')).toBeNull();
    const thanks = await relay.api.get('/public/v1/thanks', { headers: { origin: EVIL } });
    expect(thanks.status).toBe(200);
    expect(thanks.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('accepts a request without Origin (a server, an old browser)', async () => {
    const r = await postLead(relay, leadBody(shop.pk), { origin: null });
    expect(r.status).toBe(202);
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
  });
});
