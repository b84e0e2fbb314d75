import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectIsolated, expectRejectsBadInput } from '../../helpers/checks.js';
import { startRelay, userWithShop, type Owner, type Relay } from '../../helpers/relay.js';

describe('shops', () => {
  let relay: Relay;
  let a: Owner;
  let b: Owner;
  beforeAll(async () => {
    relay = await startRelay();
    a = await userWithShop(relay, 'A');
    b = await userWithShop(relay, 'B');
  });
  afterAll(() => relay.close());

  it('creates, reads, updates and deletes a shop', async () => {
    const created = await relay.api.post(
      '/api/shop/shops/',
      { name: 'Flowers' },
      { token: a.token },
    );
    expect(created.status).toBe(201);
    const id = created.body.result.id;
    expect(created.body.result).toMatchObject({ name: 'Flowers', settings: {} });
    expect(created.body.result.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const read = await relay.api.get(`/api/shop/shops/${id}`, { token: a.token });
    expect(read.body.result.name).toBe('Flowers');

    const patched = await relay.api.patch(
      `/api/shop/shops/${id}/`,
      { name: 'Roses', settings: { theme: 'dark' } },
      { token: a.token },
    );
    expect(patched.status).toBe(200);
    expect(patched.body.result).toMatchObject({ name: 'Roses', settings: { theme: 'dark' } });

    const del = await relay.api.delete(`/api/shop/shops/${id}/`, { token: a.token });
    expect(del.body).toEqual({ status: 'ok', result: { id, deleted: true } });
    expect((await relay.api.get(`/api/shop/shops/${id}/`, { token: a.token })).status).toBe(404);
  });

  it('paginates with absolute next/previous URLs and clamps limit to 100', async () => {
    const partner = await userWithShop(relay, 'Partner');
    for (let i = 0; i < 104; i++)
      await relay.stores.shops.create({ name: `Branch ${i}` }, partner.user.id);

    const first = await relay.api.get('/api/shop/shops/?limit=2&search=x', {
      token: partner.token,
    });
    expect(first.body.result.count).toBe(105);
    expect(first.body.result.results).toHaveLength(2);
    expect(first.body.result.previous).toBeNull();
    const next = new URL(first.body.result.next);
    expect(next.origin).toBe(relay.url);
    expect(Object.fromEntries(next.searchParams)).toEqual({ limit: '2', offset: '2', search: 'x' });

    const second = await relay.api.get(first.body.result.next, { token: partner.token });
    expect(second.body.result.results[0].id).toBe(first.body.result.results[1].id + 1);
    expect(new URL(second.body.result.previous).searchParams.get('offset')).toBeNull();

    const clamped = await relay.api.get('/api/shop/shops/?limit=500', { token: partner.token });
    expect(clamped.body.result.results).toHaveLength(100);
    expect(new URL(clamped.body.result.next).searchParams.get('limit')).toBe('100');
    const last = await relay.api.get(clamped.body.result.next, { token: partner.token });
    expect(last.body.result.results).toHaveLength(5);
    expect(last.body.result.next).toBeNull();

    expect(
      (await relay.api.get('/api/shop/shops/?limit=abc', { token: partner.token })).body.errors,
    ).toHaveProperty('limit');
    expect(
      (await relay.api.get('/api/shop/shops/?offset=-1', { token: partner.token })).status,
    ).toBe(400);
  });

  it('shows a user only their shops, and both shops to a member of two', async () => {
    await relay.stores.shops.addMember(b.shop.id, a.user.id);
    const list = await relay.api.get('/api/shop/shops/', { token: a.token });
    const ids = list.body.result.results.map((s: { id: number }) => s.id);
    expect(ids).toEqual(expect.arrayContaining([a.shop.id, b.shop.id]));
    const other = await userWithShop(relay, 'Other');
    await expectIsolated(relay.api, {
      base: '/api/shop/shops/',
      tokenA: other.token,
      shopA: other.shop.id,
      shopB: b.shop.id,
      idOfB: b.shop.id,
      patch: { name: 'stolen' },
      listScoped: false,
    });
    expect((await relay.stores.shops.get(b.shop.id))!.name).not.toBe('stolen');
  });

  it('rejects bad input with the error envelope', async () => {
    await expectRejectsBadInput(relay.api, {
      method: 'POST',
      path: '/api/shop/shops/',
      token: a.token,
      valid: { name: 'Valid' },
      required: ['name'],
      shopScoped: false,
    });
    await expectRejectsBadInput(relay.api, {
      method: 'PATCH',
      path: `/api/shop/shops/${a.shop.id}/`,
      token: a.token,
      valid: { name: 'Valid' },
      shopScoped: false,
    });
  });

  it('checks order templates when they are saved: text, or text with an approved WhatsApp template', async () => {
    const path = `/api/shop/shops/${a.shop.id}/`;
    const good = {
      shipped: 'Order {order.number} is on its way',
      delivered: {
        text: 'Order {order.number} arrived',
        whatsapp_template: {
          name: 'order_update',
          language: 'en_US',
          parameters: ['{order.number}'],
        },
      },
    };
    const ok = await relay.api.patch(
      path,
      { settings: { order_templates: good } },
      { token: a.token },
    );
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.result.settings.order_templates.delivered.whatsapp_template.parameters).toEqual([
      '{order.number}',
    ]);
    const bad = await relay.api.patch(
      path,
      {
        settings: { order_templates: { shipped: { whatsapp_template: { name: 'Order Update' } } } },
      },
      { token: a.token },
    );
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.errors)).toEqual(
      expect.arrayContaining([
        'settings.order_templates.shipped.whatsapp_template.name',
        'settings.order_templates.shipped.whatsapp_template.language',
      ]),
    );
  });

  it('answers 405 for a method the path does not have, and 404 for unknown paths', async () => {
    const r = await relay.api.put(
      `/api/shop/shops/${a.shop.id}/`,
      { name: 'x' },
      { token: a.token },
    );
    expect(r.status).toBe(405);
    expect(r.body.status).toBe('error');
    expect((await relay.api.get('/api/nothing/here/', { token: a.token })).status).toBe(404);
  });
});
