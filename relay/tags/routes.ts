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
import { conflict } from '../http/errors.js';
import { PageQuery, toPage } from '../http/pagination.js';
import { Tag, TagInput, TagPatch } from './schemas.js';

const common = { tags: ['tags'], security };
const conflictResponse = {
  409: { ...errorResponses[400], description: 'The shop already has a tag with this name.' },
};

const list = createRoute({
  ...common,
  method: 'get',
  path: '/tags',
  summary: "List a shop's tags",
  request: { query: PageQuery.extend(ShopQuery.shape) },
  responses: { 200: pageJson(Tag), ...errorResponses },
});
const create = createRoute({
  ...common,
  method: 'post',
  path: '/tags',
  summary: 'Create a tag',
  request: { query: ShopQuery, body: jsonBody(TagInput) },
  responses: { 201: okJson(Tag, 'Created'), ...errorResponses, ...conflictResponse },
});
const read = createRoute({
  ...common,
  method: 'get',
  path: '/tags/{id}',
  summary: 'Read a tag',
  request: { params: IdParam, query: ShopQuery },
  responses: { 200: okJson(Tag), ...errorResponses },
});
const update = createRoute({
  ...common,
  method: 'patch',
  path: '/tags/{id}',
  summary: 'Rename a tag',
  request: { params: IdParam, query: ShopQuery, body: jsonBody(TagPatch) },
  responses: { 200: okJson(Tag), ...errorResponses, ...conflictResponse },
});
const remove = createRoute({
  ...common,
  method: 'delete',
  path: '/tags/{id}',
  summary: 'Delete a tag and take it off every bot user',
  request: { params: IdParam, query: ShopQuery },
  responses: { 200: okJson(Deleted), ...errorResponses },
});

export function tagRoutes({ stores }: Deps) {
  const unique = async (shopId: number, name: string, id?: number) => {
    const other = await stores.tags.findByName(shopId, name);
    if (other && other.id !== id)
      throw conflict('A tag with this name already exists.', {
        name: ['A tag with this name already exists.'],
      });
  };

  return createRouter()
    .openapi(list, async (c) => {
      const { shop_id, ...page } = c.req.valid('query');
      const shopId = shopFor(c.var.principal, shop_id);
      const { count, rows } = await stores.tags.list(shopId, page);
      return c.json(ok(toPage(c.req.url, page, count, rows)), 200);
    })
    .openapi(create, async (c) => {
      const { shop_id, name } = c.req.valid('json');
      const shopId = shopFor(c.var.principal, shop_id ?? c.req.valid('query').shop_id);
      await unique(shopId, name);
      return c.json(ok(await stores.tags.create({ shop_id: shopId, name })), 201);
    })
    .openapi(read, async (c) => {
      const tag = await stores.tags.get(c.req.valid('param').id);
      return c.json(ok(owned(c.var.principal, tag, 'Tag', c.req.valid('query').shop_id)), 200);
    })
    .openapi(update, async (c) => {
      const { id } = c.req.valid('param');
      const { shop_id, name } = c.req.valid('json');
      const tag = owned(
        c.var.principal,
        await stores.tags.get(id),
        'Tag',
        shop_id ?? c.req.valid('query').shop_id,
      );
      if (name === undefined || name === tag.name) return c.json(ok(tag), 200);
      await unique(tag.shop_id, name, id);
      return c.json(ok((await stores.tags.rename(id, name)) ?? tag), 200);
    })
    .openapi(remove, async (c) => {
      const { id } = c.req.valid('param');
      owned(c.var.principal, await stores.tags.get(id), 'Tag', c.req.valid('query').shop_id);
      await stores.tags.delete(id);
      return c.json(deleted(id), 200);
    });
}
