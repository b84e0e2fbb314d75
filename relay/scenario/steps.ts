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
import { idFilter, Step, StepInput, StepPatch } from './schemas.js';

const common = { tags: ['scenario'], security };

const list = createRoute({
  ...common,
  method: 'get',
  path: '/steps',
  summary: "List a shop's steps (with their buttons), optionally of one flow",
  request: { query: PageQuery.extend(ShopQuery.shape).extend({ flow_id: idFilter('flow_id') }) },
  responses: { 200: pageJson(Step), ...errorResponses },
});
const create = createRoute({
  ...common,
  method: 'post',
  path: '/steps',
  summary: 'Create a step in a flow of the shop',
  request: { query: ShopQuery, body: jsonBody(StepInput) },
  responses: { 201: okJson(Step, 'Created'), ...errorResponses },
});
const read = createRoute({
  ...common,
  method: 'get',
  path: '/steps/{id}',
  summary: 'Read a step with its buttons',
  request: { params: IdParam, query: ShopQuery },
  responses: { 200: okJson(Step), ...errorResponses },
});
const update = createRoute({
  ...common,
  method: 'patch',
  path: '/steps/{id}',
  summary: 'Update a step; payload, condition and action are replaced whole, null clears a field',
  request: { params: IdParam, query: ShopQuery, body: jsonBody(StepPatch) },
  responses: { 200: okJson(Step), ...errorResponses },
});
const remove = createRoute({
  ...common,
  method: 'delete',
  path: '/steps/{id}',
  summary: 'Delete a step and its buttons; references to it become null',
  request: { params: IdParam, query: ShopQuery },
  responses: { 200: okJson(Deleted), ...errorResponses },
});

export function stepRoutes({ stores }: Deps) {
  const steps = stores.scenario.steps;
  return createRouter()
    .openapi(list, async (c) => {
      const { shop_id, flow_id, ...page } = c.req.valid('query');
      const shopId = shopFor(c.var.principal, shop_id);
      const { count, rows } = await steps.list(shopId, flow_id ?? null, page);
      return c.json(ok(toPage(c.req.url, page, count, rows)), 200);
    })
    .openapi(create, async (c) => {
      const { shop_id, ...input } = c.req.valid('json');
      const shopId = shopFor(c.var.principal, shop_id ?? c.req.valid('query').shop_id);
      return c.json(ok(await steps.create(shopId, input)), 201);
    })
    .openapi(read, async (c) => {
      const { id } = c.req.valid('param');
      const step = owned(
        c.var.principal,
        await steps.get(id),
        'Step',
        c.req.valid('query').shop_id,
      );
      return c.json(ok(step), 200);
    })
    .openapi(update, async (c) => {
      const { id } = c.req.valid('param');
      const patch = c.req.valid('json');
      const shopId = patch.shop_id ?? c.req.valid('query').shop_id;
      owned(c.var.principal, await steps.get(id), 'Step', shopId);
      const step = await steps.update(id, patch);
      if (!step) throw notFound('Step');
      return c.json(ok(step), 200);
    })
    .openapi(remove, async (c) => {
      const { id } = c.req.valid('param');
      owned(c.var.principal, await steps.get(id), 'Step', c.req.valid('query').shop_id);
      await steps.delete(id);
      return c.json(deleted(id), 200);
    });
}
