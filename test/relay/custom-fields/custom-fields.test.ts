import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectIsolated, expectRejectsBadInput } from '../../helpers/checks.js';
import { startRelay, userWithShop, type Owner, type Relay } from '../../helpers/relay.js';

describe('custom fields (user variables)', () => {
  let relay: Relay;
  let a: Owner;
  let b: Owner;
  beforeAll(async () => {
    relay = await startRelay();
    a = await userWithShop(relay, 'A');
    b = await userWithShop(relay, 'B');
  });
  afterAll(() => relay.close());

  const create = (owner: Owner, body: Record<string, unknown>) =>
    relay.api.post(
      '/api/store/custom_fields/',
      { shop_id: owner.shop.id, ...body },
      { token: owner.token },
    );

  it('declares, reads, updates and deletes a variable', async () => {
    const created = await create(a, { name: 'city', description: 'Delivery city' });
    expect(created.status).toBe(201);
    expect(created.body.result).toMatchObject({
      shop_id: a.shop.id,
      name: 'city',
      type: 'text',
      description: 'Delivery city',
    });
    const id = created.body.result.id;
    expect(
      (await relay.api.get(`/api/store/custom_fields/${id}/`, { token: a.token })).body.result,
    ).toEqual(created.body.result);
    const patched = await relay.api.patch(
      `/api/store/custom_fields/${id}/`,
      { name: 'delivery_city', type: 'text', description: '' },
      { token: a.token },
    );
    expect(patched.body.result).toMatchObject({ name: 'delivery_city', description: '' });
    expect(patched.body.result.updated_at >= created.body.result.updated_at).toBe(true);
    const typed = await relay.api.patch(
      `/api/store/custom_fields/${id}/`,
      { type: 'number' },
      { token: a.token },
    );
    expect(typed.body.result).toMatchObject({ name: 'delivery_city', type: 'number' });
    expect(
      (await relay.api.delete(`/api/store/custom_fields/${id}/`, { token: a.token })).body.result,
    ).toEqual({
      id,
      deleted: true,
    });
    expect(
      (await relay.api.get(`/api/store/custom_fields/${id}/`, { token: a.token })).status,
    ).toBe(404);
  });

  it('accepts identifiers only as names, and each name once per shop', async () => {
    for (const name of ['1st', 'with space', 'дата', 'a-b', 'x'.repeat(65), '']) {
      const r = await create(a, { name });
      expect(r.status, name).toBe(400);
      expect(r.body.errors.name, name).toBeDefined();
    }
    for (const name of ['_private', 'A1', 'x'.repeat(64)])
      expect((await create(a, { name })).status, name).toBe(201);
    expect((await create(a, { name: 'birthday', type: 'date' })).body.result.type).toBe('date');
    const dup = await create(a, { name: 'birthday' });
    expect(dup.status).toBe(409);
    expect(dup.body.errors.name).toBeDefined();
    expect((await create(b, { name: 'birthday' })).status).toBe(201);
    expect((await create(a, { name: 'kind', type: 'json' })).body.errors.type).toBeDefined();
  });

  it('paginates with absolute next/previous URLs and clamps limit to 100', async () => {
    const owner = await userWithShop(relay, 'Many');
    for (let i = 0; i < 101; i++)
      await relay.stores.customFields.create({
        shop_id: owner.shop.id,
        name: `v${i}`,
        type: 'text',
        description: '',
      });
    const base = `/api/store/custom_fields/?shop_id=${owner.shop.id}`;
    const first = await relay.api.get(`${base}&limit=50&offset=50`, { token: owner.token });
    expect(first.body.result.count).toBe(101);
    expect(new URL(first.body.result.previous).searchParams.get('offset')).toBeNull();
    expect(new URL(first.body.result.next).searchParams.get('offset')).toBe('100');
    const clamped = await relay.api.get(`${base}&limit=500`, { token: owner.token });
    expect(clamped.body.result.results).toHaveLength(100);
  });

  it("never shows, changes or deletes another shop's variable", async () => {
    const fieldB = await create(b, { name: 'secret_b' });
    const opts = {
      base: '/api/store/custom_fields/',
      shopA: a.shop.id,
      shopB: b.shop.id,
      idOfB: fieldB.body.result.id,
      patch: { name: 'stolen' },
    };
    await expectIsolated(relay.api, { ...opts, tokenA: a.token });
    const sk = await relay.stores.keys.create({ shop_id: a.shop.id, kind: 'secret' });
    await expectIsolated(relay.api, { ...opts, tokenA: sk.key });
    expect((await relay.stores.customFields.get(fieldB.body.result.id))!.name).toBe('secret_b');
  });

  it('rejects bad input', async () => {
    await expectRejectsBadInput(relay.api, {
      method: 'POST',
      path: '/api/store/custom_fields/',
      token: a.token,
      valid: { shop_id: a.shop.id, name: 'valid_name', type: 'number', description: 'd' },
      required: ['name'],
    });
    const field = await create(a, { name: 'patch_me' });
    await expectRejectsBadInput(relay.api, {
      method: 'PATCH',
      path: `/api/store/custom_fields/${field.body.result.id}/`,
      token: a.token,
      valid: { name: 'patched', type: 'boolean', description: 'd' },
    });
  });
});
