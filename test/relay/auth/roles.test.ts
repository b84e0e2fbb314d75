import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelay, userWithShop, type Owner, type Relay } from '../../helpers/relay.js';

describe('roles: owners, managers and shop keys', () => {
  let relay: Relay;
  let owner: Owner;
  beforeAll(async () => {
    relay = await startRelay();
    owner = await userWithShop(relay, 'Roles');
  });
  afterAll(() => relay.close());

  const secretKey = async () =>
    (await relay.stores.keys.create({ shop_id: owner.shop.id, kind: 'secret' })) as {
      id: number;
      key: string;
    };

  it('does not let a leaked secret key mint a key that outlives its revocation', async () => {
    const leaked = await secretKey();
    const minted = await relay.api.post(
      '/api/shop/keys/',
      { kind: 'secret', name: 'backdoor' },
      { token: leaked.key },
    );
    expect(minted.status).toBe(403);
    expect(minted.body.errors.common).toBe("Only the shop's owners can manage keys.");
    expect(minted.body.result).toBeUndefined();
    // The owner revokes the leaked key: nothing of it is left that works.
    expect(
      (await relay.api.delete(`/api/shop/keys/${leaked.id}/`, { token: owner.token })).status,
    ).toBe(200);
    expect((await relay.api.get('/api/store/leads/', { token: leaked.key })).status).toBe(401);
    const keys = await relay.api.get(`/api/shop/keys/?shop_id=${owner.shop.id}`, {
      token: owner.token,
    });
    expect(keys.body.result.results.map((k: { name: string }) => k.name)).not.toContain('backdoor');
  });

  it('lets neither a secret key nor a manager delete the shop or revoke keys', async () => {
    const sk = await secretKey();
    const manager = await userWithShop(relay, 'Manager');
    await relay.stores.shops.addMember(owner.shop.id, manager.user.id, 'manager');
    for (const token of [sk.key, manager.token]) {
      const del = await relay.api.delete(`/api/shop/shops/${owner.shop.id}/`, { token });
      expect(del.status).toBe(403);
      expect(del.body.errors.common).toBe("Only the shop's owners can change or delete the shop.");
      const revoke = await relay.api.delete(`/api/shop/keys/${sk.id}/`, { token });
      expect(revoke.status).toBe(403);
    }
    expect(await relay.stores.shops.get(owner.shop.id)).toBeDefined();
    expect(await relay.stores.keys.get(sk.id)).toBeDefined();
    // Operational work stays open to both.
    for (const token of [sk.key, manager.token]) {
      const order = await relay.api.post(
        '/api/store/orders/',
        { shop_id: owner.shop.id, external_id: `o-${token.slice(0, 8)}`, number: '1', items: [] },
        { token },
      );
      expect(order.status).toBe(201);
    }
  });

  it('answers 404, not 403, to a member of another shop', async () => {
    const stranger = await userWithShop(relay, 'Stranger');
    const sk = await secretKey();
    const r = await relay.api.delete(`/api/shop/keys/${sk.id}/`, { token: stranger.token });
    expect(r.status).toBe(404);
    const del = await relay.api.delete(`/api/shop/shops/${owner.shop.id}/`, {
      token: stranger.token,
    });
    expect(del.status).toBe(404);
  });
});
