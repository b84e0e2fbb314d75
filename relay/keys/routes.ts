import { createRoute } from '@hono/zod-openapi';
import type { Deps } from '../deps.js';
import { owned, shopFor, ShopQuery } from '../auth/principal.js';
import {
  createRouter,
  deleted,
  Deleted,
  errorResponses,
  IdParam,
  jsonBody,
  ok,
  okJson,
  ownersOnlyResponses,
  pageJson,
  security,
} from '../http/api.js';
import { PageQuery, toPage } from '../http/pagination.js';
import { CreatedShopKey, ShopKey, ShopKeyInput } from './schemas.js';

const common = { tags: ['shop keys'], security };

const list = createRoute({
  ...common,
  method: 'get',
  path: '/keys',
  summary: "List a shop's keys (hints only, never the keys)",
  request: { query: PageQuery.extend(ShopQuery.shape) },
  responses: { 200: pageJson(ShopKey), ...errorResponses },
});
const create = createRoute({
  ...common,
  method: 'post',
  path: '/keys',
  summary:
    'Create a secret (sk_…) or publishable (pk_…) key; the key is shown only here. Owners only (never a shop key)',
  request: { query: ShopQuery, body: jsonBody(ShopKeyInput) },
  responses: { 201: okJson(CreatedShopKey, 'Created'), ...errorResponses, ...ownersOnlyResponses },
});
const remove = createRoute({
  ...common,
  method: 'delete',
  path: '/keys/{id}',
  summary: 'Revoke a key; owners only',
  request: { params: IdParam, query: ShopQuery },
  responses: { 200: okJson(Deleted), ...errorResponses, ...ownersOnlyResponses },
});

export function keyRoutes({ stores }: Deps) {
  return createRouter()
    .openapi(list, async (c) => {
      const { shop_id, ...page } = c.req.valid('query');
      const shopId = shopFor(c.var.principal, shop_id);
      const { count, rows } = await stores.keys.list(shopId, page);
      return c.json(ok(toPage(c.req.url, page, count, rows)), 200);
    })
    .openapi(create, async (c) => {
      const { shop_id, ...input } = c.req.valid('json');
      const shopId = shopFor(c.var.principal, shop_id ?? c.req.valid('query').shop_id, 'keys');
      return c.json(ok(await stores.keys.create({ ...input, shop_id: shopId })), 201);
    })
    .openapi(remove, async (c) => {
      const { id } = c.req.valid('param');
      owned(
        c.var.principal,
        await stores.keys.get(id),
        'Key',
        c.req.valid('query').shop_id,
        'keys',
      );
      await stores.keys.delete(id);
      return c.json(deleted(id), 200);
    });
}
