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
import { conflict, notFound } from '../http/errors.js';
import { PageQuery, toPage } from '../http/pagination.js';
import { CustomField, CustomFieldInput, CustomFieldPatch } from './schemas.js';

const common = { tags: ['custom fields'], security };
const conflictResponse = {
  409: { ...errorResponses[400], description: 'The shop already has a variable with this name.' },
};

const list = createRoute({
  ...common,
  method: 'get',
  path: '/custom_fields',
  summary: "List a shop's user variables",
  request: { query: PageQuery.extend(ShopQuery.shape) },
  responses: { 200: pageJson(CustomField), ...errorResponses },
});
const create = createRoute({
  ...common,
  method: 'post',
  path: '/custom_fields',
  summary: 'Declare a user variable',
  request: { query: ShopQuery, body: jsonBody(CustomFieldInput) },
  responses: { 201: okJson(CustomField, 'Created'), ...errorResponses, ...conflictResponse },
});
const read = createRoute({
  ...common,
  method: 'get',
  path: '/custom_fields/{id}',
  summary: 'Read a user variable',
  request: { params: IdParam, query: ShopQuery },
  responses: { 200: okJson(CustomField), ...errorResponses },
});
const update = createRoute({
  ...common,
  method: 'patch',
  path: '/custom_fields/{id}',
  summary: 'Rename, retype or describe a user variable',
  request: { params: IdParam, query: ShopQuery, body: jsonBody(CustomFieldPatch) },
  responses: { 200: okJson(CustomField), ...errorResponses, ...conflictResponse },
});
const remove = createRoute({
  ...common,
  method: 'delete',
  path: '/custom_fields/{id}',
  summary: 'Delete a user variable’s declaration (values stay on bot users)',
  request: { params: IdParam, query: ShopQuery },
  responses: { 200: okJson(Deleted), ...errorResponses },
});

export function customFieldRoutes({ stores }: Deps) {
  const unique = async (shopId: number, name: string, id?: number) => {
    const other = await stores.customFields.findByName(shopId, name);
    if (other && other.id !== id)
      throw conflict('A variable with this name already exists.', {
        name: ['A variable with this name already exists.'],
      });
  };

  return createRouter()
    .openapi(list, async (c) => {
      const { shop_id, ...page } = c.req.valid('query');
      const shopId = shopFor(c.var.principal, shop_id);
      const { count, rows } = await stores.customFields.list(shopId, page);
      return c.json(ok(toPage(c.req.url, page, count, rows)), 200);
    })
    .openapi(create, async (c) => {
      const { shop_id, ...input } = c.req.valid('json');
      const shopId = shopFor(c.var.principal, shop_id ?? c.req.valid('query').shop_id);
      await unique(shopId, input.name);
      return c.json(ok(await stores.customFields.create({ ...input, shop_id: shopId })), 201);
    })
    .openapi(read, async (c) => {
      const field = await stores.customFields.get(c.req.valid('param').id);
      return c.json(
        ok(owned(c.var.principal, field, 'Custom field', c.req.valid('query').shop_id)),
        200,
      );
    })
    .openapi(update, async (c) => {
      const { id } = c.req.valid('param');
      const { shop_id, ...patch } = c.req.valid('json');
      const field = owned(
        c.var.principal,
        await stores.customFields.get(id),
        'Custom field',
        shop_id ?? c.req.valid('query').shop_id,
      );
      if (patch.name !== undefined) await unique(field.shop_id, patch.name, id);
      const updated = await stores.customFields.update(id, patch);
      if (!updated) throw notFound('Custom field');
      return c.json(ok(updated), 200);
    })
    .openapi(remove, async (c) => {
      const { id } = c.req.valid('param');
      owned(
        c.var.principal,
        await stores.customFields.get(id),
        'Custom field',
        c.req.valid('query').shop_id,
      );
      await stores.customFields.delete(id);
      return c.json(deleted(id), 200);
    });
}
