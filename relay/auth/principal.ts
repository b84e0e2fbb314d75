import { z } from '@hono/zod-openapi';
import { ApiError, invalidField, notFound } from '../http/errors.js';

export const Role = z.enum(['owner', 'manager']);
export type Role = z.infer<typeof Role>;

/**
 * Who is calling: a platform user (by login token) or a shop's secret key, with the role the
 * caller holds in each shop it can see. A secret key is its shop's backend: a manager of
 * that one shop. `shopIds` is `roles`' keys, for code that only asks "can it see this shop?".
 */
export type Principal =
  | {
      kind: 'user';
      userId: number;
      tokenId: number;
      roles: ReadonlyMap<number, Role>;
      shopIds: ReadonlySet<number>;
    }
  | {
      kind: 'secret_key';
      keyId: number;
      shopId: number;
      roles: ReadonlyMap<number, Role>;
      shopIds: ReadonlySet<number>;
    };

/** `shop_id` as a query parameter (reads) or body field (writes). */
export const ShopId = z.coerce.number().int().positive().openapi({ example: 1 });
export const ShopQuery = z.object({
  shop_id: ShopId.optional().openapi({ param: { name: 'shop_id', in: 'query' } }),
});

/**
 * What only a shop's owners may do, in the words of the 403: "Only the shop's owners can …".
 * Everything else a member can see (operational work and reads) is open to managers and to
 * the shop's secret key.
 */
export const OWNERS_ONLY = {
  shop: 'change or delete the shop',
  keys: 'manage keys',
  members: 'manage members',
  bots: 'connect or delete bots and change their credentials',
  webhooks: 'manage webhook endpoints',
  alerts: 'manage alert channels',
} as const;
export type OwnersOnly = keyof typeof OWNERS_ONLY;

export const forbidden = (action: OwnersOnly) =>
  new ApiError(403, `Only the shop's owners can ${OWNERS_ONLY[action]}.`);

/**
 * Visibility first, then role: another shop stays "not found" (never reveal it exists),
 * a shop the caller sees but may not act on this way is "forbidden".
 */
function allow(p: Principal, shopId: number, ownersOnly: OwnersOnly | undefined, what: string) {
  const role = p.roles.get(shopId);
  if (!role) throw notFound(what);
  if (ownersOnly && role !== 'owner') throw forbidden(ownersOnly);
}

/**
 * The shop a shop-level call acts on. A secret key may omit `shop_id` (it has one shop);
 * a user must name it. A shop the caller cannot reach is "not found", never "forbidden";
 * `ownersOnly` names an action a manager (or a secret key) may not take there: 403.
 */
export function shopFor(p: Principal, shopId: number | undefined, ownersOnly?: OwnersOnly): number {
  if (shopId === undefined) {
    if (p.kind !== 'secret_key') throw invalidField('shop_id', 'This field is required.');
    shopId = p.shopId;
  }
  allow(p, shopId, ownersOnly, 'Shop');
  return shopId;
}

/**
 * Returns `row` when the caller may see it (and it belongs to `shopId`, when one is given);
 * otherwise 404 — the same answer as for an id that does not exist. With `ownersOnly`, a
 * visible row the caller may not act on this way is 403.
 */
export function owned<T extends { shop_id: number }>(
  p: Principal,
  row: T | undefined | null,
  what: string,
  shopId?: number,
  ownersOnly?: OwnersOnly,
): T {
  if (!row || (shopId !== undefined && row.shop_id !== shopId)) throw notFound(what);
  allow(p, row.shop_id, ownersOnly, what);
  return row;
}
