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
import { Form, FormInput, FormPatch } from './schemas.js';

const common = { tags: ['forms'], security };
const duplicate = {
  409: { ...errorResponses[400], description: 'Another form of the shop has this name.' },
};

const list = createRoute({
  ...common,
  method: 'get',
  path: '/forms',
  summary: "List a shop's lead forms",
  request: { query: PageQuery.extend(ShopQuery.shape) },
  responses: { 200: pageJson(Form), ...errorResponses },
});
const create = createRoute({
  ...common,
  method: 'post',
  path: '/forms',
  summary: 'Create a lead form; `name` is its key for `<tp-lead-form form="…">`',
  request: { query: ShopQuery, body: jsonBody(FormInput) },
  responses: { 201: okJson(Form, 'Created'), ...errorResponses, ...duplicate },
});
const read = createRoute({
  ...common,
  method: 'get',
  path: '/forms/{id}',
  summary: 'Read a lead form',
  request: { params: IdParam, query: ShopQuery },
  responses: { 200: okJson(Form), ...errorResponses },
});
const update = createRoute({
  ...common,
  method: 'patch',
  path: '/forms/{id}',
  summary: 'Update a lead form (`fields` replaces the list, `consent: null` removes it)',
  request: { params: IdParam, query: ShopQuery, body: jsonBody(FormPatch) },
  responses: { 200: okJson(Form), ...errorResponses, ...duplicate },
});
const remove = createRoute({
  ...common,
  method: 'delete',
  path: '/forms/{id}',
  summary: 'Delete a lead form (its leads stay, with `form: null`)',
  request: { params: IdParam, query: ShopQuery },
  responses: { 200: okJson(Deleted), ...errorResponses },
});

const nameTaken = () =>
  conflict('A form with this name already exists.', {
    name: ['Another form of this shop has this name.'],
  });

export function formRoutes({ stores }: Deps) {
  return createRouter()
    .openapi(list, async (c) => {
      const { shop_id, ...page } = c.req.valid('query');
      const shopId = shopFor(c.var.principal, shop_id);
      const { count, rows } = await stores.forms.list(shopId, page);
      return c.json(ok(toPage(c.req.url, page, count, rows)), 200);
    })
    .openapi(create, async (c) => {
      const { shop_id, ...input } = c.req.valid('json');
      const shopId = shopFor(c.var.principal, shop_id ?? c.req.valid('query').shop_id);
      if (await stores.forms.byName(shopId, input.name)) throw nameTaken();
      return c.json(ok(await stores.forms.create(shopId, input)), 201);
    })
    .openapi(read, async (c) => {
      const { id } = c.req.valid('param');
      const form = owned(
        c.var.principal,
        await stores.forms.get(id),
        'Form',
        c.req.valid('query').shop_id,
      );
      return c.json(ok(form), 200);
    })
    .openapi(update, async (c) => {
      const { id } = c.req.valid('param');
      const patch = c.req.valid('json');
      const shopId = patch.shop_id ?? c.req.valid('query').shop_id;
      const form = owned(c.var.principal, await stores.forms.get(id), 'Form', shopId);
      if (
        patch.name &&
        patch.name !== form.name &&
        (await stores.forms.byName(form.shop_id, patch.name))
      )
        throw nameTaken();
      const updated = await stores.forms.update(id, patch);
      if (!updated) throw notFound('Form');
      return c.json(ok(updated), 200);
    })
    .openapi(remove, async (c) => {
      const { id } = c.req.valid('param');
      owned(c.var.principal, await stores.forms.get(id), 'Form', c.req.valid('query').shop_id);
      await stores.forms.delete(id);
      return c.json(deleted(id), 200);
    });
}
