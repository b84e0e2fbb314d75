import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectIsolated, expectRejectsBadInput } from '../../helpers/checks.js';
import { startRelay, userWithShop, type Owner, type Relay } from '../../helpers/relay.js';

describe('tags', () => {
  let relay: Relay;
  let a: Owner;
  let b: Owner;
  beforeAll(async () => {
    relay = await startRelay();
    a = await userWithShop(relay, 'A');
    b = await userWithShop(relay, 'B');
  });
  afterAll(() => relay.close());

  const create = (owner: Owner, name: string, token = owner.token) =>
    relay.api.post('/api/store/tags/', { shop_id: owner.shop.id, name }, { token });

  it('creates, reads, renames and deletes a tag', async () => {
    const created = await create(a, '  vip  ');
    expect(created.status).toBe(201);
    expect(created.body.result).toMatchObject({ shop_id: a.shop.id, name: 'vip' });
    const id = created.body.result.id;

    const read = await relay.api.get(`/api/store/tags/${id}/`, { token: a.token });
    expect(read.body.result).toEqual(created.body.result);

    const renamed = await relay.api.patch(
      `/api/store/tags/${id}`,
      { name: 'VIP' },
      { token: a.token },
    );
    expect(renamed.status).toBe(200);
    expect(renamed.body.result.name).toBe('VIP');

    const del = await relay.api.delete(`/api/store/tags/${id}/`, { token: a.token });
    expect(del.body).toEqual({ status: 'ok', result: { id, deleted: true } });
    expect((await relay.api.get(`/api/store/tags/${id}/`, { token: a.token })).status).toBe(404);
  });

  it('answers 409 for a name the shop already uses, on create and on rename', async () => {
    await create(a, 'new');
    const other = await create(a, 'returning');
    const dup = await create(a, 'new');
    expect(dup.status).toBe(409);
    expect(dup.body.errors.name).toBeDefined();
    const rename = await relay.api.patch(
      `/api/store/tags/${other.body.result.id}/`,
      { name: 'new' },
      { token: a.token },
    );
    expect(rename.status).toBe(409);
    expect((await create(b, 'new')).status).toBe(201);
  });

  it('paginates with absolute next/previous URLs and clamps limit to 100', async () => {
    const owner = await userWithShop(relay, 'Many');
    for (let i = 0; i < 103; i++)
      await relay.stores.tags.create({ shop_id: owner.shop.id, name: `tag ${i}` });
    const first = await relay.api.get(`/api/store/tags/?shop_id=${owner.shop.id}&limit=2`, {
      token: owner.token,
    });
    expect(first.body.result.count).toBe(103);
    expect(first.body.result.previous).toBeNull();
    const next = new URL(first.body.result.next);
    expect(Object.fromEntries(next.searchParams)).toEqual({
      shop_id: String(owner.shop.id),
      limit: '2',
      offset: '2',
    });
    const second = await relay.api.get(first.body.result.next, { token: owner.token });
    expect(second.body.result.results[0].name).toBe('tag 2');
    expect(second.body.result.previous).not.toBeNull();
    const clamped = await relay.api.get(`/api/store/tags/?shop_id=${owner.shop.id}&limit=500`, {
      token: owner.token,
    });
    expect(clamped.body.result.results).toHaveLength(100);
    const last = await relay.api.get(clamped.body.result.next, { token: owner.token });
    expect(last.body.result.results).toHaveLength(3);
    expect(last.body.result.next).toBeNull();
  });

  it("never shows, renames or deletes another shop's tag, also with a secret key", async () => {
    const tagB = await create(b, 'secret of B');
    const opts = {
      base: '/api/store/tags/',
      shopA: a.shop.id,
      shopB: b.shop.id,
      idOfB: tagB.body.result.id,
      patch: { name: 'stolen' },
    };
    await expectIsolated(relay.api, { ...opts, tokenA: a.token });
    const sk = await relay.stores.keys.create({ shop_id: a.shop.id, kind: 'secret' });
    await expectIsolated(relay.api, { ...opts, tokenA: sk.key });
    expect((await relay.stores.tags.get(tagB.body.result.id))!.name).toBe('secret of B');
    const viaKey = await relay.api.post('/api/store/tags/', { name: 'by key' }, { token: sk.key });
    expect(viaKey.body.result.shop_id).toBe(a.shop.id);
  });

  it('rejects bad input', async () => {
    await expectRejectsBadInput(relay.api, {
      method: 'POST',
      path: '/api/store/tags/',
      token: a.token,
      valid: { shop_id: a.shop.id, name: 'fine' },
      required: ['name'],
    });
    const tag = await create(a, 'patchable');
    await expectRejectsBadInput(relay.api, {
      method: 'PATCH',
      path: `/api/store/tags/${tag.body.result.id}/`,
      token: a.token,
      valid: { name: 'patched' },
    });
    expect((await create(a, '   ')).body.errors.name).toBeDefined();
    expect((await create(a, 'x'.repeat(101))).body.errors.name).toBeDefined();
  });
});
