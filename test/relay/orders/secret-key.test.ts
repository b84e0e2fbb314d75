import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectIsolated } from '../../helpers/checks.js';
import { startRelay, userWithShop, type Owner, type Relay } from '../../helpers/relay.js';

describe('orders written with a shop secret key', () => {
  let relay: Relay;
  let a: Owner;
  let b: Owner;
  let skA: string;
  let skB: string;
  beforeAll(async () => {
    relay = await startRelay();
    a = await userWithShop(relay, 'A');
    b = await userWithShop(relay, 'B');
    skA = (await relay.stores.keys.create({ shop_id: a.shop.id, kind: 'secret' })).key;
    skB = (await relay.stores.keys.create({ shop_id: b.shop.id, kind: 'secret' })).key;
  });
  afterAll(() => relay.close());

  it('creates and updates an order of its own shop without shop_id', async () => {
    const body = { external_id: 'wc-7', number: '7', status: 'processing' };
    const created = await relay.api.post('/api/store/orders/', body, { token: skA });
    expect(created.status).toBe(201);
    expect(created.body.result.shop_id).toBe(a.shop.id);
    const repeated = await relay.api.post(
      '/api/store/orders/',
      { ...body, status: 'completed' },
      { token: skA },
    );
    expect(repeated.status).toBe(200);
    expect(repeated.body.result.id).toBe(created.body.result.id);

    const path = `/api/store/orders/${created.body.result.id}/`;
    const patched = await relay.api.patch(path, { status: 'refunded' }, { token: skA });
    expect(patched.body.result.status_history.map((h: { status: string }) => h.status)).toEqual([
      'processing',
      'completed',
      'refunded',
    ]);
    const list = await relay.api.get('/api/store/orders/', { token: skA });
    expect(list.body.result.results.map((o: { id: number }) => o.id)).toEqual([
      created.body.result.id,
    ]);
    const seenByOwner = await relay.api.get(path, { token: a.token });
    expect(seenByOwner.body.result.status).toBe('refunded');
  });

  it("cannot read, update or delete another shop's order, even by its external_id", async () => {
    const orderB = await relay.api.post(
      '/api/store/orders/',
      { external_id: 'shared-ref', number: 'B-1', status: 'paid' },
      { token: skB },
    );
    expect(orderB.body.result.shop_id).toBe(b.shop.id);
    await expectIsolated(relay.api, {
      base: '/api/store/orders/',
      tokenA: skA,
      shopA: a.shop.id,
      shopB: b.shop.id,
      idOfB: orderB.body.result.id,
      patch: { status: 'cancelled' },
    });
    const sameRef = await relay.api.post(
      '/api/store/orders/',
      { external_id: 'shared-ref', number: 'A-1', status: 'cancelled' },
      { token: skA },
    );
    expect(sameRef.status).toBe(201);
    expect(sameRef.body.result.shop_id).toBe(a.shop.id);
    const intoB = await relay.api.post(
      '/api/store/orders/',
      { shop_id: b.shop.id, external_id: 'shared-ref', number: 'A-1', status: 'cancelled' },
      { token: skA },
    );
    expect(intoB.status).toBe(404);

    const untouched = await relay.api.get(`/api/store/orders/${orderB.body.result.id}/`, {
      token: skB,
    });
    expect(untouched.body.result).toMatchObject({ number: 'B-1', status: 'paid' });
    expect(untouched.body.result.status_history).toHaveLength(1);
  });
});
