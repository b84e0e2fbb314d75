import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOGIN_LIMITS } from '../../../relay/auth/throttle.js';
import { startRelay, userWithShop, type Relay } from '../../helpers/relay.js';

describe('login, logout and logoutall', () => {
  let relay: Relay;
  beforeAll(async () => {
    relay = await startRelay();
  });
  afterAll(() => relay.close());

  it('logs in with email and password and returns a 64-hex token that works', async () => {
    const owner = await userWithShop(relay);
    const r = await relay.api.post('/api/auth/login/', {
      email: owner.email,
      password: owner.password,
    });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('ok');
    expect(r.body.result.token).toMatch(/^[0-9a-f]{64}$/);
    expect(r.body.result.user).toEqual({ id: owner.user.id, email: owner.email });
    // The default lifetime: 30 days from now.
    const days = (Date.parse(r.body.result.expiry) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
    const shops = await relay.api.get('/api/shop/shops/', { token: r.body.result.token });
    expect(shops.status).toBe(200);
    expect(shops.body.result.results.map((s: { id: number }) => s.id)).toEqual([owner.shop.id]);
  });

  it('answers 401 for a wrong password, an unknown email and a missing or bad token', async () => {
    const owner = await userWithShop(relay);
    const wrong = await relay.api.post('/api/auth/login', { email: owner.email, password: 'nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.errors.common).toMatch(/credentials/);
    const unknown = await relay.api.post('/api/auth/login', {
      email: 'ghost@example.test',
      password: 'x',
    });
    expect(unknown.status).toBe(401);
    expect((await relay.api.get('/api/shop/shops/')).status).toBe(401);
    expect((await relay.api.get('/api/shop/shops/', { token: 'f'.repeat(64) })).status).toBe(401);
    expect((await relay.api.get('/api/shop/shops/', { token: 'sk_notakey' })).status).toBe(401);
  });

  it('names missing login fields', async () => {
    const r = await relay.api.post('/api/auth/login/', {});
    expect(r.status).toBe(400);
    expect(r.body.errors).toMatchObject({
      email: ['This field is required.'],
      password: ['This field is required.'],
    });
  });

  it('answers 429 with Retry-After after repeated failures for one email, even with the right password', async () => {
    const owner = await userWithShop(relay);
    for (let i = 0; i < LOGIN_LIMITS.perEmailAddress; i++) {
      const r = await relay.api.post('/api/auth/login/', {
        email: owner.email,
        password: `wrong${i}`,
      });
      expect(r.status).toBe(401);
    }
    const blocked = await relay.api.post('/api/auth/login/', {
      email: owner.email,
      password: owner.password,
    });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(blocked.body.status).toBe('error');
  });

  it('logout revokes only that token; logoutall revokes every token of the user', async () => {
    const owner = await userWithShop(relay);
    const login = async () =>
      (await relay.api.post('/api/auth/login/', { email: owner.email, password: owner.password }))
        .body.result.token as string;
    const [t1, t2, t3] = [await login(), await login(), await login()];

    expect((await relay.api.post('/api/auth/logout/', undefined, { token: t1 })).status).toBe(200);
    expect((await relay.api.get('/api/shop/shops/', { token: t1 })).status).toBe(401);
    expect((await relay.api.get('/api/shop/shops/', { token: t2 })).status).toBe(200);

    expect((await relay.api.post('/api/auth/logoutall/', undefined, { token: t2 })).status).toBe(
      200,
    );
    for (const t of [t2, t3, owner.token]) {
      expect((await relay.api.get('/api/shop/shops/', { token: t })).status).toBe(401);
    }
  });

  it('stores tokens and passwords only as hashes', async () => {
    const owner = await userWithShop(relay);
    const token = (
      await relay.api.post('/api/auth/login/', { email: owner.email, password: owner.password })
    ).body.result.token;
    const tokens = relay.db.prepare('SELECT token_hash FROM auth_tokens').all() as {
      token_hash: string;
    }[];
    expect(tokens.length).toBeGreaterThan(0);
    expect(tokens.some((t) => t.token_hash === token)).toBe(false);
    expect(JSON.stringify(relay.db.prepare('SELECT * FROM auth_tokens').all())).not.toContain(
      token,
    );
    const user = relay.db
      .prepare('SELECT password_hash FROM users WHERE id = ?')
      .get(owner.user.id) as { password_hash: string };
    expect(user.password_hash).toMatch(/^scrypt\$/);
    expect(user.password_hash).not.toContain(owner.password);
  });
});
