import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../../relay/auth/secrets.js';
import { startRelay, userWithShop, type Relay } from '../../helpers/relay.js';

const DAY = 86_400_000;

describe('login token lifetime', () => {
  let relay: Relay;
  beforeAll(async () => {
    relay = await startRelay({ tokenTtlMs: 7 * DAY });
  });
  afterAll(() => relay.close());

  const login = async () => {
    const owner = await userWithShop(relay);
    const r = await relay.api.post('/api/auth/login/', {
      email: owner.email,
      password: owner.password,
    });
    expect(r.status).toBe(200);
    return r.body.result as { token: string; expiry: string };
  };
  /** The stored expiry of a token (rows hold only its hash), or undefined once it is gone. */
  const expiresAt = (token: string) =>
    (
      relay.db
        .prepare('SELECT expires_at FROM auth_tokens WHERE token_hash = ?')
        .get(hashToken(token)) as { expires_at: string } | undefined
    )?.expires_at;
  const setExpiry = (token: string, iso: string) =>
    relay.db
      .prepare('UPDATE auth_tokens SET expires_at = ? WHERE token_hash = ?')
      .run(iso, hashToken(token));
  const shops = (token: string) => relay.api.get('/api/shop/shops/', { token });

  it('reports the expiry of the configured lifetime, as stored', async () => {
    const { expiry, token } = await login();
    const days = (Date.parse(expiry) - Date.now()) / DAY;
    expect(days).toBeGreaterThan(6.99);
    expect(days).toBeLessThanOrEqual(7);
    expect(expiresAt(token)).toBe(expiry);
  });

  it('refuses an expired token with 401 and deletes it', async () => {
    const { token } = await login();
    expect((await shops(token)).status).toBe(200);
    setExpiry(token, new Date(Date.now() - 1000).toISOString());
    const r = await shops(token);
    expect(r.status).toBe(401);
    expect(r.body.status).toBe('error');
    expect(expiresAt(token)).toBeUndefined();
  });

  it('moves the expiry forward when the token is used, at most about once an hour', async () => {
    const { token } = await login();
    // Three days left: a use gives the token its full lifetime again.
    setExpiry(token, new Date(Date.now() + 3 * DAY).toISOString());
    expect((await shops(token)).status).toBe(200);
    const slid = Date.parse(expiresAt(token)!);
    expect((slid - Date.now()) / DAY).toBeGreaterThan(6.99);

    // Used again within the hour: no write.
    const recent = new Date(Date.now() + 7 * DAY - 30 * 60_000).toISOString();
    setExpiry(token, recent);
    expect((await shops(token)).status).toBe(200);
    expect(expiresAt(token)).toBe(recent);
  });

  it('applies a shortened lifetime to a token issued under a longer one', async () => {
    const { token } = await login();
    setExpiry(token, new Date(Date.now() + 25 * DAY).toISOString());
    expect((await shops(token)).status).toBe(200);
    const days = (Date.parse(expiresAt(token)!) - Date.now()) / DAY;
    expect(days).toBeGreaterThan(6.99);
    expect(days).toBeLessThanOrEqual(7);
  });

  it('prunes expired tokens of every user when a token is issued', async () => {
    const first = await login();
    setExpiry(first.token, new Date(Date.now() - 1000).toISOString());
    await login();
    expect(expiresAt(first.token)).toBeUndefined();
  });
});

describe('login token lifetime on a real clock', () => {
  it('stops working once its lifetime passes without use', async () => {
    const relay = await startRelay({ tokenTtlMs: 1000 });
    try {
      const owner = await userWithShop(relay);
      const r = await relay.api.post('/api/auth/login/', {
        email: owner.email,
        password: owner.password,
      });
      const { token } = r.body.result;
      expect((await relay.api.get('/api/shop/shops/', { token })).status).toBe(200);
      await sleep(1500);
      expect((await relay.api.get('/api/shop/shops/', { token })).status).toBe(401);
    } finally {
      await relay.close();
    }
  });
});
