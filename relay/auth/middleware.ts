import { createMiddleware } from 'hono/factory';
import type { Config } from '../config.js';
import type { AppEnv } from '../http/api.js';
import { unauthorized } from '../http/errors.js';
import type { KeyStore } from '../keys/store.js';
import type { Role } from './principal.js';
import type { UserStore } from './store.js';

/**
 * `Authorization: Bearer <token>`: a user's login token (64 hex; its expiry slides on use)
 * or a shop's secret key (`sk_…`, a manager of that one shop). Publishable keys are for the
 * public widget API only. Roles are read on every request, so a removed member or a
 * demotion takes effect at once.
 */
export const requireAuth = (
  stores: { users: UserStore; keys: KeyStore },
  config: Pick<Config, 'tokenTtlMs'>,
) =>
  createMiddleware<AppEnv>(async function requireAuth(c, next) {
    const header = c.req.header('authorization') ?? '';
    const match = /^(?:Bearer|Token)\s+(\S+)$/i.exec(header);
    if (!match) throw unauthorized();
    const token = match[1];
    if (token.startsWith('sk_')) {
      const key = await stores.keys.find(token, 'secret');
      if (!key) throw unauthorized('Invalid token.');
      const roles = new Map<number, Role>([[key.shop_id, 'manager']]);
      c.set('principal', {
        kind: 'secret_key',
        keyId: key.id,
        shopId: key.shop_id,
        roles,
        shopIds: new Set(roles.keys()),
      });
    } else {
      const found = /^[0-9a-f]{64}$/.test(token)
        ? await stores.users.findToken(token, config.tokenTtlMs)
        : null;
      if (!found) throw unauthorized('Invalid token.');
      const roles = await stores.users.roles(found.userId);
      c.set('principal', {
        kind: 'user',
        userId: found.userId,
        tokenId: found.tokenId,
        roles,
        shopIds: new Set(roles.keys()),
      });
    }
    await next();
  });
