import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../../relay/db/sql.js';
import { expectIsolated, expectRejectsBadInput } from '../../helpers/checks.js';
import { startRelay, userWithShop, type Owner, type Relay } from '../../helpers/relay.js';

describe('shop keys', () => {
  let relay: Relay;
  let a: Owner;
  let b: Owner;
  beforeAll(async () => {
    relay = await startRelay();
    a = await userWithShop(relay, 'A');
    b = await userWithShop(relay, 'B');
  });
  afterAll(() => relay.close());

  it('shows a key once at creation and stores only its hash', async () => {
    const r = await relay.api.post(
      '/api/shop/keys/',
      { shop_id: a.shop.id, kind: 'publishable', allowed_origins: ['https://shop.example/'] },
      { token: a.token },
    );
    expect(r.status).toBe(201);
    expect(r.body.result.key).toMatch(/^pk_[A-Za-z0-9_-]{43}$/);
    expect(r.body.result.allowed_origins).toEqual(['https://shop.example']);
    expect(r.body.result).not.toHaveProperty('key_hash');
    const list = await relay.api.get(`/api/shop/keys/?shop_id=${a.shop.id}`, { token: a.token });
    expect(list.body.result.results[0]).not.toHaveProperty('key');
    expect(list.body.result.results[0].hint).toMatch(/^pk_.{4}….{4}$/);
    const dump = JSON.stringify(await relay.db.all(sql('SELECT * FROM shop_keys')));
    expect(dump).not.toContain(r.body.result.key);
  });

  it('lets a secret key act on its own shop only, and a deleted key is refused', async () => {
    const created = await relay.api.post(
      '/api/shop/keys/',
      { shop_id: a.shop.id, kind: 'secret' },
      { token: a.token },
    );
    const sk = created.body.result.key as string;
    expect(sk).toMatch(/^sk_/);

    const own = await relay.api.get('/api/shop/keys/', { token: sk });
    expect(own.status).toBe(200);
    expect(own.body.result.results.every((k: { shop_id: number }) => k.shop_id === a.shop.id)).toBe(
      true,
    );
    const shops = await relay.api.get('/api/shop/shops/', { token: sk });
    expect(shops.body.result.results.map((s: { id: number }) => s.id)).toEqual([a.shop.id]);
    expect(
      (await relay.api.get(`/api/shop/keys/?shop_id=${b.shop.id}`, { token: sk })).status,
    ).toBe(404);
    expect((await relay.api.post('/api/shop/shops/', { name: 'x' }, { token: sk })).status).toBe(
      403,
    );

    const del = await relay.api.delete(`/api/shop/keys/${created.body.result.id}/`, {
      token: a.token,
    });
    expect(del.status).toBe(200);
    expect((await relay.api.get('/api/shop/keys/', { token: sk })).status).toBe(401);
  });

  it('does not accept a publishable key as a bearer token', async () => {
    const pk = (
      await relay.api.post(
        '/api/shop/keys/',
        { shop_id: a.shop.id, kind: 'publishable' },
        { token: a.token },
      )
    ).body.result.key;
    expect((await relay.api.get('/api/shop/keys/', { token: pk })).status).toBe(401);
  });

  it("never shows or deletes another shop's key", async () => {
    const keyB = await relay.api.post(
      '/api/shop/keys/',
      { shop_id: b.shop.id, kind: 'secret' },
      { token: b.token },
    );
    await expectIsolated(relay.api, {
      base: '/api/shop/keys/',
      tokenA: a.token,
      shopA: a.shop.id,
      shopB: b.shop.id,
      idOfB: keyB.body.result.id,
      readable: false,
    });
    expect((await relay.api.get('/api/shop/keys/', { token: keyB.body.result.key })).status).toBe(
      200,
    );
  });

  it('rejects bad input', async () => {
    await expectRejectsBadInput(relay.api, {
      method: 'POST',
      path: '/api/shop/keys/',
      token: a.token,
      valid: { shop_id: a.shop.id, kind: 'publishable', allowed_origins: ['https://a.example'] },
      required: ['kind'],
    });
    const path = await relay.api.post(
      '/api/shop/keys/',
      { shop_id: a.shop.id, kind: 'publishable', allowed_origins: ['https://a.example/path'] },
      { token: a.token },
    );
    expect(path.body.errors).toHaveProperty(['allowed_origins.0']);
  });
});
