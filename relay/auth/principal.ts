import { z } from '@hono/zod-openapi';
import { invalidField, notFound } from '../http/errors.js';

/** Who is calling: a platform user (by login token) or a shop's secret key. */
export type Principal =
  | { kind: 'user'; userId: number; tokenId: number; shopIds: ReadonlySet<number> }
  | { kind: 'secret_key'; keyId: number; shopId: number; shopIds: ReadonlySet<number> };

/** `shop_id` as a query parameter (reads) or body field (writes). */
export const ShopId = z.coerce.number().int().positive().openapi({ example: 1 });
export const ShopQuery = z.object({
  shop_id: ShopId.optional().openapi({ param: { name: 'shop_id', in: 'query' } }),
});

/**
 * The shop a shop-level call acts on. A secret key may omit `shop_id` (it has one shop);
 * a user must name it. A shop the caller cannot reach is "not found", never "forbidden".
 */
export function shopFor(p: Principal, shopId: number | undefined): number {
  if (shopId === undefined) {
    if (p.kind === 'secret_key') return p.shopId;
    throw invalidField('shop_id', 'This field is required.');
  }
  if (!p.shopIds.has(shopId)) throw notFound('Shop');
  return shopId;
}

/**
 * Returns `row` when the caller may see it (and it belongs to `shopId`, when one is given);
 * otherwise 404 — the same answer as for an id that does not exist.
 */
export function owned<T extends { shop_id: number }>(
  p: Principal,
  row: T | undefined | null,
  what: string,
  shopId?: number,
): T {
  if (!row || !p.shopIds.has(row.shop_id) || (shopId !== undefined && row.shop_id !== shopId)) {
    throw notFound(what);
  }
  return row;
}
