import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../http/api.js';
import { unauthorized } from '../http/errors.js';
import type { KeyStore } from '../keys/store.js';
import type { UserStore } from './store.js';

/**
 * `Authorization: Bearer <token>`: a user's login token (64 hex) or a shop's secret key
 * (`sk_…`, scoped to that one shop). Publishable keys are for the public widget API only.
 */
export const requireAuth = (stores: { users: UserStore; keys: KeyStore }) =>
  createMiddleware<AppEnv>(async function requireAuth(c, next) {
    const header = c.req.header('authorization') ?? '';
    const match = /^(?:Bearer|Token)\s+(\S+)$/i.exec(header);
    if (!match) throw unauthorized();
    const token = match[1];
    if (token.startsWith('sk_')) {
      const key = await stores.keys.find(token, 'secret');
      if (!key) throw unauthorized('Invalid token.');
      c.set('principal', {
        kind: 'secret_key',
        keyId: key.id,
        shopId: key.shop_id,
        shopIds: new Set([key.shop_id]),
      });
    } else {
      const found = /^[0-9a-f]{64}$/.test(token) ? await stores.users.findToken(token) : null;
      if (!found) throw unauthorized('Invalid token.');
      const shopIds = new Set(await stores.users.shopIds(found.userId));
      c.set('principal', { kind: 'user', userId: found.userId, tokenId: found.tokenId, shopIds });
    }
    await next();
  });
