import { createRoute } from '@hono/zod-openapi';
import type { Deps } from '../deps.js';
import { shopFor, type OwnersOnly, type Principal } from '../auth/principal.js';
import {
  createRouter,
  deleted,
  Deleted,
  errorResponse,
  errorResponses,
  IdParam,
  jsonBody,
  ok,
  okJson,
  ownersOnlyResponses,
  pageJson,
  security,
} from '../http/api.js';
import { ApiError, invalidField, notFound } from '../http/errors.js';
import { verifyUrlProblem } from '../public/captcha.js';
import { PageQuery, toPage } from '../http/pagination.js';
import { Shop, ShopInput, ShopPatch } from './schemas.js';

const tags = ['shops'];
const common = { tags, security };

const list = createRoute({
  ...common,
  method: 'get',
  path: '/shops',
  summary: 'List the shops the caller is a member of',
  request: { query: PageQuery },
  responses: { 200: pageJson(Shop), ...errorResponses },
});
const create = createRoute({
  ...common,
  method: 'post',
  path: '/shops',
  summary: 'Create a shop; the caller becomes its owner (a shop key cannot: 403)',
  request: { body: jsonBody(ShopInput) },
  responses: {
    201: okJson(Shop, 'Created'),
    ...errorResponses,
    403: errorResponse(
      403,
      'A shop key cannot create shops.',
      'Only platform users can create shops.',
    ),
  },
});
const read = createRoute({
  ...common,
  method: 'get',
  path: '/shops/{id}',
  summary: 'Read a shop',
  request: { params: IdParam },
  responses: { 200: okJson(Shop), ...errorResponses },
});
const update = createRoute({
  ...common,
  method: 'patch',
  path: '/shops/{id}',
  summary: 'Update a shop (settings merge key by key); owners only',
  request: { params: IdParam, body: jsonBody(ShopPatch) },
  responses: { 200: okJson(Shop), ...errorResponses, ...ownersOnlyResponses },
});
const remove = createRoute({
  ...common,
  method: 'delete',
  path: '/shops/{id}',
  summary: 'Delete a shop and everything in it; owners only',
  request: { params: IdParam },
  responses: { 200: okJson(Deleted), ...errorResponses, ...ownersOnlyResponses },
});

export function shopRoutes({ stores, outbound }: Deps) {
  const checkSettings = async (settings: Record<string, unknown> | undefined) => {
    const problem = await verifyUrlProblem(settings, outbound);
    if (problem) throw invalidField('settings.captcha.verify_url', problem);
  };
  /**
   * The shop if the caller is a member; 404 otherwise, as for a shop that does not exist.
   * `ownersOnly`: 403 for a member who is not an owner.
   */
  const load = async (p: Principal, id: number, ownersOnly?: OwnersOnly) => {
    const shop = await stores.shops.get(shopFor(p, id, ownersOnly));
    if (!shop) throw notFound('Shop');
    return shop;
  };

  return createRouter()
    .openapi(list, async (c) => {
      const page = c.req.valid('query');
      const { count, rows } = await stores.shops.list(c.var.principal.shopIds, page);
      return c.json(ok(toPage(c.req.url, page, count, rows)), 200);
    })
    .openapi(create, async (c) => {
      const p = c.var.principal;
      if (p.kind !== 'user') throw new ApiError(403, 'Only platform users can create shops.');
      await checkSettings(c.req.valid('json').settings);
      const shop = await stores.shops.create(c.req.valid('json'), p.userId);
      return c.json(ok(shop), 201);
    })
    .openapi(read, async (c) => {
      return c.json(ok(await load(c.var.principal, c.req.valid('param').id)), 200);
    })
    .openapi(update, async (c) => {
      const { id } = c.req.valid('param');
      await load(c.var.principal, id, 'shop');
      await checkSettings(c.req.valid('json').settings);
      const shop = await stores.shops.update(id, c.req.valid('json'));
      if (!shop) throw notFound('Shop');
      return c.json(ok(shop), 200);
    })
    .openapi(remove, async (c) => {
      const { id } = c.req.valid('param');
      await load(c.var.principal, id, 'shop');
      await stores.shops.delete(id);
      return c.json(deleted(id), 200);
    });
}
