import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectIsolated, expectRejectsBadInput } from '../../helpers/checks.js';
import { startRelay, userWithShop, type Owner, type Relay } from '../../helpers/relay.js';
import { sql } from '../../../relay/db/sql.js';

const items = [
  { sku: 'ROSE-1', name: 'Red rose', qty: 3, price: 19.99 },
  { sku: 'CARD', name: 'Card', qty: 1, price: 2.5 },
];

describe('orders', () => {
  let relay: Relay;
  let a: Owner;
  let b: Owner;
  beforeAll(async () => {
    relay = await startRelay();
    a = await userWithShop(relay, 'A');
    b = await userWithShop(relay, 'B');
    await relay.stores.shops.update(a.shop.id, {
      settings: { currency: 'EUR', default_country: 'DE' },
    });
  });
  afterAll(() => relay.close());

  const post = (body: object, token = a.token) =>
    relay.api.post('/api/store/orders/', { shop_id: a.shop.id, ...body }, { token });

  it('creates an order with defaults: status new, shop currency, total from items', async () => {
    const created = await post({
      number: 1001,
      customer: { name: 'Ann', phone: '030 1234567', email: 'ann@example.com' },
      items,
    });
    expect(created.status).toBe(201);
    const order = created.body.result;
    expect(order).toEqual({
      id: expect.any(Number),
      shop_id: a.shop.id,
      external_id: null,
      number: '1001',
      optin_ref: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      status: 'new',
      customer: { name: 'Ann', phone: '+49301234567', email: 'ann@example.com' },
      items,
      total: 62.47,
      currency: 'EUR',
      status_history: [{ status: 'new', at: order.created_at }],
      subscribers_count: 0,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      updated_at: order.created_at,
    });
    const read = await relay.api.get(`/api/store/orders/${order.id}/`, { token: a.token });
    expect(read.body.result).toEqual(order);

    const bare = await relay.api.post(
      '/api/store/orders/',
      { shop_id: b.shop.id, number: 'B-1', customer: { phone: 'ask at the door' } },
      { token: b.token },
    );
    expect(bare.body.result).toMatchObject({
      currency: 'USD',
      total: 0,
      items: [],
      customer: { name: '', phone: 'ask at the door', email: '' },
    });
    const explicit = await post({ number: 'X', items, total: 50, currency: 'JPY', status: 'paid' });
    expect(explicit.body.result).toMatchObject({ total: 50, currency: 'JPY', status: 'paid' });
  });

  it('gives each order its own optin_ref, which no write changes', async () => {
    const made = await Promise.all(
      Array.from({ length: 20 }, (_, i) => post({ external_id: `ref-${i}`, number: `R-${i}` })),
    );
    const refs = made.map((r) => r.body.result.optin_ref as string);
    for (const ref of refs) expect(ref).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(new Set(refs).size).toBe(refs.length);
    const [first] = made.map((r) => r.body.result);
    // Neither the backend's repeated POST, nor a PATCH, nor a value sent in the body moves it.
    const repeated = await post({ external_id: 'ref-0', number: 'R-0', optin_ref: 'mine' });
    expect(repeated.body.result.optin_ref).toBe(first.optin_ref);
    const patched = await relay.api.patch(
      `/api/store/orders/${first.id}/`,
      { status: 'paid', optin_ref: 'guessable' },
      { token: a.token },
    );
    expect(patched.body.result).toMatchObject({ status: 'paid', optin_ref: first.optin_ref });
    const listed = await relay.api.get(
      `/api/store/orders/?shop_id=${a.shop.id}&external_id=ref-0`,
      { token: a.token },
    );
    expect(listed.body.result.results[0].optin_ref).toBe(first.optin_ref);
  });

  it('updates the order with the same external_id instead of making a second one', async () => {
    const first = await post({ external_id: 'shopify-42', number: '42', items, status: 'new' });
    expect(first.status).toBe(201);
    const again = await post({
      external_id: 'shopify-42',
      number: '42',
      status: 'shipped',
      items: [{ name: 'Tulip', qty: 2, price: 5 }],
    });
    expect(again.status).toBe(200);
    expect(again.body.result).toMatchObject({
      id: first.body.result.id,
      status: 'shipped',
      items: [{ sku: '', name: 'Tulip', qty: 2, price: 5 }],
      total: 10,
      created_at: first.body.result.created_at,
    });
    expect(again.body.result.status_history.map((h: { status: string }) => h.status)).toEqual([
      'new',
      'shipped',
    ]);
    const repeated = await post({ external_id: 'shopify-42', number: '42' });
    expect(repeated.status).toBe(200);
    expect(repeated.body.result).toMatchObject({ status: 'shipped', total: 10 });
    expect(repeated.body.result.status_history).toHaveLength(2);

    const list = await relay.api.get(
      `/api/store/orders/?shop_id=${a.shop.id}&external_id=shopify-42`,
      { token: a.token },
    );
    expect(list.body.result.count).toBe(1);

    const otherShop = await relay.api.post(
      '/api/store/orders/',
      { shop_id: b.shop.id, external_id: 'shopify-42', number: 'B42' },
      { token: b.token },
    );
    expect(otherShop.status).toBe(201);
    expect((await relay.stores.orders.get(first.body.result.id))!.number).toBe('42');
  });

  it('replaces items on PATCH, recomputes the total and records each new status', async () => {
    const order = (await post({ number: 'P-1', items, customer: { name: 'Ann' } })).body.result;
    const path = `/api/store/orders/${order.id}/`;
    const patched = await relay.api.patch(
      path,
      { items: [{ sku: 'V', name: 'Vase', qty: 1, price: 30 }], status: 'paid' },
      { token: a.token },
    );
    expect(patched.status).toBe(200);
    expect(patched.body.result).toMatchObject({
      items: [{ sku: 'V', name: 'Vase', qty: 1, price: 30 }],
      total: 30,
      status: 'paid',
      customer: { name: 'Ann' },
    });
    const sameStatus = await relay.api.patch(
      path,
      { status: 'paid', total: 25, customer: { email: 'ann@example.com' } },
      { token: a.token },
    );
    expect(sameStatus.body.result).toMatchObject({
      total: 25,
      customer: { name: 'Ann', email: 'ann@example.com' },
    });
    expect(sameStatus.body.result.status_history.map((h: { status: string }) => h.status)).toEqual([
      'new',
      'paid',
    ]);
    const cleared = await relay.api.patch(path, { items: [] }, { token: a.token });
    expect(cleared.body.result).toMatchObject({ items: [], total: 0 });
  });

  it('counts the bot users subscribed to an order', async () => {
    const order = (await post({ number: 'S-1' })).body.result;
    const bot = (await relay.db.get(
      sql(`INSERT INTO bots (shop_id, bot_type, name) VALUES (?, 'sandbox', 'S') RETURNING id`),
      [a.shop.id],
    )) as { id: number };
    for (const m of ['u1', 'u2']) {
      const user = (await relay.db.get(
        sql(
          `INSERT INTO bot_users (shop_id, bot_id, messenger_user_id) VALUES (?, ?, ?) RETURNING id`,
        ),
        [a.shop.id, bot.id, m],
      )) as { id: number };
      await relay.db.run(sql(`INSERT INTO bot_user_orders (bot_user_id, order_id) VALUES (?, ?)`), [
        user.id,
        order.id,
      ]);
    }
    const read = await relay.api.get(`/api/store/orders/${order.id}/`, { token: a.token });
    expect(read.body.result.subscribers_count).toBe(2);
  });

  it('filters by status and external_id, and searches number and customer', async () => {
    const shop = await userWithShop(relay, 'Search');
    const make = (body: object) =>
      relay.api
        .post('/api/store/orders/', { shop_id: shop.shop.id, ...body }, { token: shop.token })
        .then((r) => r.body.result.id as number);
    const ann = await make({
      number: 'A-100',
      customer: { name: 'Ann Lee', phone: '+14155550100', email: 'ann@example.com' },
    });
    const bob = await make({
      number: 'B-200',
      external_id: 'ext-bob',
      status: 'shipped',
      customer: { name: 'Bob_Smith', email: 'bob@example.org' },
    });
    const ids = async (query: string) =>
      (
        await relay.api.get(`/api/store/orders/?shop_id=${shop.shop.id}&${query}`, {
          token: shop.token,
        })
      ).body.result.results.map((o: { id: number }) => o.id);
    expect(await ids('')).toEqual([bob, ann]);
    expect(await ids('status=shipped')).toEqual([bob]);
    expect(await ids('external_id=ext-bob')).toEqual([bob]);
    expect(await ids('search=a-1')).toEqual([ann]);
    expect(await ids('search=lee')).toEqual([ann]);
    expect(await ids('search=5550100')).toEqual([ann]);
    expect(await ids('search=example.org')).toEqual([bob]);
    expect(await ids('search=b_s')).toEqual([bob]);
    expect(await ids('search=%25')).toEqual([]);
    expect(await ids('search=nobody')).toEqual([]);
  });

  it('deletes an order', async () => {
    const id = (await post({ number: 'D-1', items })).body.result.id;
    const del = await relay.api.delete(`/api/store/orders/${id}/`, { token: a.token });
    expect(del.body).toEqual({ status: 'ok', result: { id, deleted: true } });
    expect((await relay.api.get(`/api/store/orders/${id}/`, { token: a.token })).status).toBe(404);
    const left = sql('SELECT count(*) AS n FROM order_items WHERE order_id = ?');
    expect(await relay.db.get(left, [id])).toEqual({ n: 0 });
  });

  it('paginates newest first with absolute next/previous URLs and clamps limit to 100', async () => {
    const many = await userWithShop(relay, 'Many');
    for (let i = 0; i < 105; i++)
      await relay.stores.orders.upsert(many.shop.id, { number: String(i), items });
    const base = `/api/store/orders/?shop_id=${many.shop.id}&search=`;
    const first = await relay.api.get(`${base}&limit=2`, { token: many.token });
    expect(first.body.result.count).toBe(105);
    expect(first.body.result.results.map((o: { number: string }) => o.number)).toEqual([
      '104',
      '103',
    ]);
    expect(first.body.result.results[0].items).toEqual(items);
    expect(first.body.result.previous).toBeNull();
    const page2 = await relay.api.get(first.body.result.next, { token: many.token });
    expect(page2.body.result.results[0].number).toBe('102');
    expect(new URL(page2.body.result.previous).searchParams.get('offset')).toBeNull();

    const clamped = await relay.api.get(`${base}&limit=500`, { token: many.token });
    expect(clamped.body.result.results).toHaveLength(100);
    expect(clamped.body.result.results[99].status_history).toHaveLength(1);
    const last = await relay.api.get(clamped.body.result.next, { token: many.token });
    expect(last.body.result.results).toHaveLength(5);
    expect(last.body.result.next).toBeNull();
  });

  it('refuses an external_id that another order of the shop has, on PATCH', async () => {
    await post({ number: 'E-1', external_id: 'taken' });
    const other = (await post({ number: 'E-2', external_id: 'free' })).body.result;
    const r = await relay.api.patch(
      `/api/store/orders/${other.id}/`,
      { external_id: 'taken' },
      { token: a.token },
    );
    expect(r.status).toBe(409);
    expect(r.body.errors).toHaveProperty('external_id');
    const cleared = await relay.api.patch(
      `/api/store/orders/${other.id}/`,
      { external_id: null },
      { token: a.token },
    );
    expect(cleared.body.result.external_id).toBeNull();
  });

  it('rejects bad input', async () => {
    const valid = {
      shop_id: a.shop.id,
      external_id: 'bad-input',
      number: 'N-1',
      status: 'new',
      customer: { name: 'Ann', phone: '+49301234567', email: 'ann@example.com' },
      items,
      total: 62.47,
      currency: 'EUR',
    };
    await expectRejectsBadInput(relay.api, {
      method: 'POST',
      path: '/api/store/orders/',
      token: a.token,
      valid,
      required: ['number'],
    });
    const order = (await post({ number: 'N-2' })).body.result;
    const { shop_id: _, ...patch } = valid;
    await expectRejectsBadInput(relay.api, {
      method: 'PATCH',
      path: `/api/store/orders/${order.id}/`,
      token: a.token,
      valid: { ...patch, external_id: 'bad-input-2' },
    });
    const cases: [object, string][] = [
      [{ status: 'Shipped' }, 'status'],
      [{ currency: 'eur' }, 'currency'],
      [{ currency: 'EURO' }, 'currency'],
      [{ number: '' }, 'number'],
      [{ number: 'x'.repeat(51) }, 'number'],
      [{ external_id: 'x'.repeat(101) }, 'external_id'],
      [{ items: [{ name: 'A', qty: 0, price: 1 }] }, 'items.0.qty'],
      [{ items: [{ name: 'A', qty: 1.5, price: 1 }] }, 'items.0.qty'],
      [{ items: [{ name: 'A', qty: 1, price: -1 }] }, 'items.0.price'],
      [{ items: [{ qty: 1, price: 1 }] }, 'items.0.name'],
      [{ total: -1 }, 'total'],
      [{ customer: { email: 'nope' } }, 'customer.email'],
    ];
    for (const [change, key] of cases) {
      const r = await post({ number: 'N-3', ...change });
      expect(r.status, JSON.stringify(change)).toBe(400);
      expect(Object.keys(r.body.errors), JSON.stringify(change)).toContain(key);
    }
  });
});
