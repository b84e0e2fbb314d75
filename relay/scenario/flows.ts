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
import { Flow, FlowInput, FlowPatch, idFilter } from './schemas.js';

const common = { tags: ['scenario'], security };

const list = createRoute({
  ...common,
  method: 'get',
  path: '/flows',
  summary: "List a shop's flows, optionally of one bot",
  request: { query: PageQuery.extend(ShopQuery.shape).extend({ bot_id: idFilter('bot_id') }) },
  responses: { 200: pageJson(Flow), ...errorResponses },
});
const create = createRoute({
  ...common,
  method: 'post',
  path: '/flows',
  summary: 'Create a flow for a bot of the shop',
  request: { query: ShopQuery, body: jsonBody(FlowInput) },
  responses: { 201: okJson(Flow, 'Created'), ...errorResponses },
});
const read = createRoute({
  ...common,
  method: 'get',
  path: '/flows/{id}',
  summary: 'Read a flow',
  request: { params: IdParam, query: ShopQuery },
  responses: { 200: okJson(Flow), ...errorResponses },
});
const update = createRoute({
  ...common,
  method: 'patch',
  path: '/flows/{id}',
  summary: 'Update a flow; first_step_id must be a step of this flow',
  request: { params: IdParam, query: ShopQuery, body: jsonBody(FlowPatch) },
  responses: { 200: okJson(Flow), ...errorResponses },
});
const remove = createRoute({
  ...common,
  method: 'delete',
  path: '/flows/{id}',
  summary: 'Delete a flow with its steps and their buttons',
  request: { params: IdParam, query: ShopQuery },
  responses: { 200: okJson(Deleted), ...errorResponses },
});

export function flowRoutes({ stores }: Deps) {
  const flows = stores.scenario.flows;
  return createRouter()
    .openapi(list, async (c) => {
      const { shop_id, bot_id, ...page } = c.req.valid('query');
      const shopId = shopFor(c.var.principal, shop_id);
      const { count, rows } = await flows.list(shopId, bot_id ?? null, page);
      return c.json(ok(toPage(c.req.url, page, count, rows)), 200);
    })
    .openapi(create, async (c) => {
      const { shop_id, ...input } = c.req.valid('json');
      const shopId = shopFor(c.var.principal, shop_id ?? c.req.valid('query').shop_id);
      return c.json(ok(await flows.create(shopId, input)), 201);
    })
    .openapi(read, async (c) => {
      const { id } = c.req.valid('param');
      const flow = owned(
        c.var.principal,
        await flows.get(id),
        'Flow',
        c.req.valid('query').shop_id,
      );
      return c.json(ok(flow), 200);
    })
    .openapi(update, async (c) => {
      const { id } = c.req.valid('param');
      const patch = c.req.valid('json');
      const shopId = patch.shop_id ?? c.req.valid('query').shop_id;
      owned(c.var.principal, await flows.get(id), 'Flow', shopId);
      const flow = await flows.update(id, patch);
      if (!flow) throw notFound('Flow');
      return c.json(ok(flow), 200);
    })
    .openapi(remove, async (c) => {
      const { id } = c.req.valid('param');
      owned(c.var.principal, await flows.get(id), 'Flow', c.req.valid('query').shop_id);
      await flows.delete(id);
      return c.json(deleted(id), 200);
    });
}
