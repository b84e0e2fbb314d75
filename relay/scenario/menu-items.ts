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
  pageJson,
  security,
} from '../http/api.js';
import { notFound } from '../http/errors.js';
import { PageQuery, toPage } from '../http/pagination.js';
import { idFilter, MenuItem, MenuItemInput, MenuItemPatch } from './schemas.js';

const common = { tags: ['scenario'], security };

const list = createRoute({
  ...common,
  method: 'get',
  path: '/menu_items',
  summary: "List a shop's buttons (menu items), optionally of one step",
  request: { query: PageQuery.extend(ShopQuery.shape).extend({ step_id: idFilter('step_id') }) },
  responses: { 200: pageJson(MenuItem), ...errorResponses },
});
const create = createRoute({
  ...common,
  method: 'post',
  path: '/menu_items',
  summary: 'Add a button to a step: it leads to a step of the same flow or opens a URL',
  request: { query: ShopQuery, body: jsonBody(MenuItemInput) },
  responses: { 201: okJson(MenuItem, 'Created'), ...errorResponses },
});
const read = createRoute({
  ...common,
  method: 'get',
  path: '/menu_items/{id}',
  summary: 'Read a button',
  request: { params: IdParam, query: ShopQuery },
  responses: { 200: okJson(MenuItem), ...errorResponses },
});
const update = createRoute({
  ...common,
  method: 'patch',
  path: '/menu_items/{id}',
  summary: 'Update a button; setting next_step_id clears url and the other way round',
  request: { params: IdParam, query: ShopQuery, body: jsonBody(MenuItemPatch) },
  responses: { 200: okJson(MenuItem), ...errorResponses },
});
const remove = createRoute({
  ...common,
  method: 'delete',
  path: '/menu_items/{id}',
  summary: 'Delete a button',
  request: { params: IdParam, query: ShopQuery },
  responses: { 200: okJson(Deleted), ...errorResponses },
});

export function menuItemRoutes({ stores }: Deps) {
  const items = stores.scenario.menuItems;
  return createRouter()
    .openapi(list, async (c) => {
      const { shop_id, step_id, ...page } = c.req.valid('query');
      const shopId = shopFor(c.var.principal, shop_id);
      const { count, rows } = await items.list(shopId, step_id ?? null, page);
      return c.json(ok(toPage(c.req.url, page, count, rows)), 200);
    })
    .openapi(create, async (c) => {
      const { shop_id, ...input } = c.req.valid('json');
      const shopId = shopFor(c.var.principal, shop_id ?? c.req.valid('query').shop_id);
      return c.json(ok(await items.create(shopId, input)), 201);
    })
    .openapi(read, async (c) => {
      const { id } = c.req.valid('param');
      const item = owned(
        c.var.principal,
        await items.get(id),
        'Menu item',
        c.req.valid('query').shop_id,
      );
      return c.json(ok(item), 200);
    })
    .openapi(update, async (c) => {
      const { id } = c.req.valid('param');
      const patch = c.req.valid('json');
      const shopId = patch.shop_id ?? c.req.valid('query').shop_id;
      owned(c.var.principal, await items.get(id), 'Menu item', shopId);
      const item = await items.update(id, patch);
      if (!item) throw notFound('Menu item');
      return c.json(ok(item), 200);
    })
    .openapi(remove, async (c) => {
      const { id } = c.req.valid('param');
      owned(c.var.principal, await items.get(id), 'Menu item', c.req.valid('query').shop_id);
      await items.delete(id);
      return c.json(deleted(id), 200);
    });
}
