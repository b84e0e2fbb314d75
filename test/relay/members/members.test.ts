import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../../relay/auth/secrets.js';
import { expectRejectsBadInput } from '../../helpers/checks.js';
import { startRelay, userWithShop, type Owner, type Relay } from '../../helpers/relay.js';

describe('shop members', () => {
  let relay: Relay;
  let owner: Owner;
  beforeAll(async () => {
    relay = await startRelay();
    owner = await userWithShop(relay, 'Members');
  });
  afterAll(() => relay.close());

  const as = (token: string) => ({ token });
  let emails = 0;
  const freshEmail = () => `person${++emails}-${Date.now()}@example.test`;
  const add = (shopId: number, email: string, role: string, token = owner.token) =>
    relay.api.post('/api/shop/members/', { shop_id: shopId, email, role }, as(token));
  const login = (email: string, password: string) =>
    relay.api.post('/api/auth/login/', { email, password });
  const linkToken = (url: string) => new URL(url.replace('#/', '')).searchParams.get('token')!;

  it('adds an existing user as a manager, who then sees the shop and its members', async () => {
    const manager = await userWithShop(relay, 'Own');
    const r = await add(owner.shop.id, manager.email, 'manager');
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.result).toEqual({
      id: expect.any(Number),
      shop_id: owner.shop.id,
      user_id: manager.user.id,
      email: manager.email,
      role: 'manager',
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect(r.body.result).not.toHaveProperty('password_set_url');

    const shop = await relay.api.get(`/api/shop/shops/${owner.shop.id}/`, as(manager.token));
    expect(shop.status).toBe(200);
    const list = await relay.api.get(`/api/shop/members/?shop_id=${owner.shop.id}`, {
      token: manager.token,
    });
    expect(list.status).toBe(200);
    expect(
      list.body.result.results.map((m: { email: string; role: string }) => [m.email, m.role]),
    ).toEqual(
      expect.arrayContaining([
        [owner.email, 'owner'],
        [manager.email, 'manager'],
      ]),
    );
  });

  it('creates an account for a new email and answers a one-time password link', async () => {
    const email = freshEmail();
    const r = await add(owner.shop.id, email, 'manager');
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const url: string = r.body.result.password_set_url;
    expect(url.startsWith(`${relay.config.publicUrl}/console/#/set-password?token=`)).toBe(true);
    const token = linkToken(url);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Only its hash is stored; the new account has no password anyone could guess.
    const stored = JSON.stringify(relay.db.prepare('SELECT * FROM password_set_tokens').all());
    expect(stored).toContain(hashToken(token));
    expect(stored).not.toContain(token);
    expect((await login(email, '!')).status).toBe(401);
    expect((await login(email, '')).status).toBe(400);

    const short = await relay.api.post('/api/auth/set_password/', { token, password: 'short' });
    expect(short.status).toBe(400);
    expect(short.body.errors).toHaveProperty('password');

    const set = await relay.api.post('/api/auth/set_password/', {
      token,
      password: 'a good long password',
    });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body.result).toMatchObject({
      token: expect.stringMatching(/^[0-9a-f]{64}$/),
      expiry: expect.any(String),
      user: { id: r.body.result.user_id, email },
    });
    const shops = await relay.api.get('/api/shop/shops/', as(set.body.result.token));
    expect(shops.body.result.results.map((s: { id: number }) => s.id)).toEqual([owner.shop.id]);
    expect((await login(email, 'a good long password')).status).toBe(200);

    const again = await relay.api.post('/api/auth/set_password/', {
      token,
      password: 'another long password',
    });
    expect(again.status).toBe(400);
    expect(again.body.errors.token).toBeDefined();
    expect((await login(email, 'a good long password')).status).toBe(200);
  });

  it('refuses an expired or unknown password link, and uses a link once under parallel calls', async () => {
    const expired = linkToken(
      (await add(owner.shop.id, freshEmail(), 'manager')).body.result.password_set_url,
    );
    relay.db
      .prepare('UPDATE password_set_tokens SET expires_at = ? WHERE token_hash = ?')
      .run(new Date(Date.now() - 1000).toISOString(), hashToken(expired));
    for (const token of [expired, 'x'.repeat(43)]) {
      const r = await relay.api.post('/api/auth/set_password/', { token, password: 'long enough' });
      expect(r.status).toBe(400);
      expect(r.body.status).toBe('error');
    }

    const token = linkToken(
      (await add(owner.shop.id, freshEmail(), 'manager')).body.result.password_set_url,
    );
    const answers = await Promise.all(
      ['first password', 'second password', 'third password'].map((password) =>
        relay.api.post('/api/auth/set_password/', { token, password }),
      ),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 400, 400]);
  });

  it('gives an invited account that never set a password a fresh link when added again', async () => {
    const other = await userWithShop(relay, 'Second');
    const email = freshEmail();
    expect((await add(owner.shop.id, email, 'manager')).body.result.password_set_url).toBeDefined();
    const again = await add(other.shop.id, email, 'owner', other.token);
    expect(again.status).toBe(201);
    expect(again.body.result.password_set_url).toBeDefined();
  });

  it('answers 409 for a person who is a member already', async () => {
    const email = freshEmail();
    expect((await add(owner.shop.id, email, 'manager')).status).toBe(201);
    const twice = await add(owner.shop.id, email.toUpperCase(), 'owner');
    expect(twice.status).toBe(409);
    expect(twice.body.errors.common).toMatch(/member of the shop already/);
    expect((await add(owner.shop.id, owner.email, 'manager')).status).toBe(409);
  });

  it('never removes or demotes the last owner', async () => {
    const solo = await userWithShop(relay, 'Solo');
    const members = await relay.api.get(
      `/api/shop/members/?shop_id=${solo.shop.id}`,
      as(solo.token),
    );
    const self = members.body.result.results[0];
    expect(self).toMatchObject({ user_id: solo.user.id, role: 'owner' });

    const demote = await relay.api.patch(
      `/api/shop/members/${self.id}/`,
      { role: 'manager' },
      as(solo.token),
    );
    expect(demote.status).toBe(409);
    expect(demote.body.errors.common).toMatch(/at least one owner/);
    const remove = await relay.api.delete(`/api/shop/members/${self.id}/`, as(solo.token));
    expect(remove.status).toBe(409);

    // With a second owner, the first may step down; then the second is the last one.
    const partner = await userWithShop(relay, 'Partner');
    const second = (await add(solo.shop.id, partner.email, 'owner', solo.token)).body.result;
    expect(
      (await relay.api.patch(`/api/shop/members/${self.id}/`, { role: 'manager' }, as(solo.token)))
        .status,
    ).toBe(200);
    expect(
      (
        await relay.api.patch(
          `/api/shop/members/${second.id}/`,
          { role: 'manager' },
          as(partner.token),
        )
      ).status,
    ).toBe(409);

    // Two owners demoting each other at once: one of them stays an owner.
    expect(
      (await relay.api.patch(`/api/shop/members/${self.id}/`, { role: 'owner' }, as(partner.token)))
        .status,
    ).toBe(200);
    const race = await Promise.all([
      relay.api.patch(`/api/shop/members/${self.id}/`, { role: 'manager' }, as(partner.token)),
      relay.api.patch(`/api/shop/members/${second.id}/`, { role: 'manager' }, as(solo.token)),
    ]);
    // The second is refused: 409 (last owner), or 403 when its caller was demoted first.
    expect(race.map((r) => r.status).filter((s) => s === 200)).toHaveLength(1);
    expect(race.every((r) => [200, 403, 409].includes(r.status))).toBe(true);
    const owners = (
      await relay.api.get(`/api/shop/members/?shop_id=${solo.shop.id}`, as(partner.token))
    ).body.result.results.filter((m: { role: string }) => m.role === 'owner');
    expect(owners).toHaveLength(1);
  });

  it('lets managers and the shop key read members but only owners change them', async () => {
    const manager = await userWithShop(relay, 'Manager');
    const member = (await add(owner.shop.id, manager.email, 'manager')).body.result;
    const sk = (await relay.stores.keys.create({ shop_id: owner.shop.id, kind: 'secret' })).key;
    for (const token of [manager.token, sk]) {
      expect(
        (await relay.api.get(`/api/shop/members/?shop_id=${owner.shop.id}`, as(token))).status,
      ).toBe(200);
      const writes = [
        await add(owner.shop.id, freshEmail(), 'owner', token),
        await relay.api.patch(`/api/shop/members/${member.id}/`, { role: 'owner' }, as(token)),
        await relay.api.delete(`/api/shop/members/${member.id}/`, as(token)),
      ];
      for (const r of writes) {
        expect(r.status).toBe(403);
        expect(r.body.errors.common).toBe("Only the shop's owners can manage members.");
      }
    }
    // Another shop's owner: the members do not exist for them.
    const stranger = await userWithShop(relay, 'Stranger');
    expect(
      (await relay.api.get(`/api/shop/members/?shop_id=${owner.shop.id}`, as(stranger.token)))
        .status,
    ).toBe(404);
    expect(
      (
        await relay.api.patch(
          `/api/shop/members/${member.id}/`,
          { role: 'owner' },
          as(stranger.token),
        )
      ).status,
    ).toBe(404);
    expect(
      (await relay.api.get(`/api/shop/members/?shop_id=${owner.shop.id}`, as(manager.token))).body
        .result.results,
    ).toContainEqual(expect.objectContaining({ id: member.id, role: 'manager' }));
  });

  it('takes effect at once: a removed member loses the shop, a demoted owner loses owner rights', async () => {
    const colleague = await userWithShop(relay, 'Colleague');
    const member = (await add(owner.shop.id, colleague.email, 'owner')).body.result;
    const key = { shop_id: owner.shop.id, kind: 'publishable' };
    expect((await relay.api.post('/api/shop/keys/', key, as(colleague.token))).status).toBe(201);

    await relay.api.patch(`/api/shop/members/${member.id}/`, { role: 'manager' }, as(owner.token));
    expect((await relay.api.post('/api/shop/keys/', key, as(colleague.token))).status).toBe(403);

    expect(
      (await relay.api.delete(`/api/shop/members/${member.id}/`, as(owner.token))).status,
    ).toBe(200);
    expect(
      (await relay.api.get(`/api/shop/shops/${owner.shop.id}/`, as(colleague.token))).status,
    ).toBe(404);
  });

  it('rejects bad input', async () => {
    await expectRejectsBadInput(relay.api, {
      method: 'POST',
      path: '/api/shop/members/',
      token: owner.token,
      valid: { shop_id: owner.shop.id, email: freshEmail(), role: 'manager' },
      required: ['email', 'role'],
    });
    const role = await add(owner.shop.id, freshEmail(), 'admin');
    expect(role.body.errors.role).toEqual(['Must be one of: owner, manager.']);
    const email = await add(owner.shop.id, 'not an email', 'manager');
    expect(email.body.errors.email).toEqual(['Enter a valid email.']);
    const patch = await relay.api.patch('/api/shop/members/1/', { role: 'boss' }, as(owner.token));
    expect(patch.status).toBe(400);
  });
});
