import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearPublicCaches } from '../../../relay/public/cache.js';
import { startRelay, type Relay } from '../../helpers/relay.js';
import { counts, leadBody, ORIGIN, postLead, widgetShop, type WidgetShop } from './fixtures.js';

describe('public API keys', () => {
  let relay: Relay;
  let a: WidgetShop;
  let b: WidgetShop;
  beforeAll(async () => {
    relay = await startRelay({ publicRateLimit: 0 });
    a = await widgetShop(relay);
    b = await widgetShop(relay);
  });
  afterAll(() => relay.close());

  it('refuses secret keys and login tokens with a sentence, never echoing them', async () => {
    const sk = (await relay.stores.keys.create({ shop_id: a.shopId, kind: 'secret' })).key;
    const before = await counts(relay);
    for (const key of [sk, a.token]) {
      for (const r of [
        await postLead(relay, leadBody(key)),
        await relay.api.get(`/public/v1/config?key=${encodeURIComponent(key)}`),
        await relay.api.post('/public/v1/optins', { key }, { headers: { origin: ORIGIN } }),
        await postLead(relay, leadBody(a.pk, { key: undefined }), {
          headers: { 'x-touchpoint-key': key },
        }),
      ]) {
        expect(r.status).toBe(401);
        expect(r.body.errors.common).toMatch(/publishable key/);
        expect(r.text).not.toContain(key);
      }
    }
    expect(await counts(relay)).toEqual(before);
  });

  it('refuses a missing or unknown key with 401', async () => {
    const missing = await postLead(relay, leadBody(a.pk, { key: undefined }));
    expect(missing.status).toBe(401);
    const unknown = await postLead(relay, leadBody('pk_doesnotexist'));
    expect(unknown.status).toBe(401);
    expect(unknown.body.errors.common).toMatch(/not valid or was revoked/);
    const config = await relay.api.get('/public/v1/config');
    expect(config.status).toBe(401);
  });

  it('refuses a revoked key once the key cache has been refreshed', async () => {
    const key = await relay.stores.keys.create({
      shop_id: a.shopId,
      kind: 'publishable',
      allowed_origins: [ORIGIN],
    });
    expect((await postLead(relay, leadBody(key.key))).status).toBe(202);
    const del = await relay.api.delete(`/api/shop/keys/${key.id}/`, { token: a.token });
    expect(del.status).toBe(200);
    clearPublicCaches(); // what PUBLIC_CACHE_TTL_MS (5 s) does on its own
    const before = await counts(relay);
    const r = await postLead(relay, leadBody(key.key));
    expect(r.status).toBe(401);
    expect((await relay.api.get(`/public/v1/config?key=${key.key}`)).status).toBe(401);
    expect(await counts(relay)).toEqual(before);
  });

  it("never lets shop A's key reach shop B's forms, leads, bots or orders", async () => {
    // B has a form A does not have, a lead, a bot and an order.
    await relay.api.post(
      '/api/store/forms/',
      {
        shop_id: b.shopId,
        name: 'only-b',
        fields: [{ name: 'q', label: { en: 'Q' }, type: 'text' }],
      },
      { token: b.token },
    );
    const visitorOfB = 'visitor-of-b';
    const leadOfB = (await postLead(relay, leadBody(b.pk, { visitor_id: visitorOfB }))).body.result
      .lead_id;
    const botOfB = await relay.stores.bots.create({
      shop_id: b.shopId,
      bot_type: 'telegram',
      name: 'B bot',
      credential: null,
      tg_bot_nickname: 'b_shop_bot',
    });
    const orderOfB = await relay.api.post(
      '/api/store/orders/',
      {
        shop_id: b.shopId,
        external_id: 'B-1',
        number: 'B-1',
        items: [{ sku: 's', name: 'Thing', qty: 1, price: 10 }],
      },
      { token: b.token },
    );
    await relay.stores.bots.create({
      shop_id: a.shopId,
      bot_type: 'telegram',
      name: 'A bot',
      credential: null,
      tg_bot_nickname: 'a_shop_bot',
    });
    clearPublicCaches();
    const before = await counts(relay);

    const form = await postLead(
      relay,
      leadBody(a.pk, { form: 'only-b', fields: { q: 'x' }, consent: undefined }),
    );
    expect(form.status).toBe(400);
    expect(form.body.errors.form).toBeDefined();
    const optin = (body: Record<string, unknown>) =>
      relay.api.post('/public/v1/optins', { key: a.pk, ...body }, { headers: { origin: ORIGIN } });
    expect((await optin({ lead_id: leadOfB, visitor_id: visitorOfB })).body.errors).toHaveProperty(
      'lead_id',
    );
    expect((await optin({ bot_id: botOfB.id })).body.errors).toHaveProperty('bot_id');
    expect((await optin({ order_ref: 'B-1' })).body.errors).toHaveProperty('order_ref');
    const refOfB = orderOfB.body.result.optin_ref;
    expect((await optin({ order_ref: refOfB })).body.errors).toHaveProperty('order_ref');

    const config = await relay.api.get(`/public/v1/config?key=${a.pk}`);
    expect(config.body.result.forms.map((f: { name: string }) => f.name)).toEqual(['callback']);
    expect(config.body.result.bots.map((x: { name: string }) => x.name)).toEqual(['A bot']);
    expect(await counts(relay)).toEqual(before);

    // A lead sent with A's key is A's, whatever the body claims.
    const r = await postLead(relay, { ...leadBody(a.pk), shop_id: b.shopId });
    expect((await relay.stores.leads.get(r.body.result.lead_id))!.shop_id).toBe(a.shopId);
  });
});
