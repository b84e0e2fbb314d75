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
import { invalidField, notFound } from '../http/errors.js';
import { PageQuery, toPage } from '../http/pagination.js';
import {
  WebhookEndpoint,
  WebhookEndpointInput,
  WebhookEndpointPatch,
  WebhookEndpointWithSecret,
} from './schemas.js';

const common = { tags: ['webhooks'], security };

const list = createRoute({
  ...common,
  method: 'get',
  path: '/endpoints',
  summary: "List a shop's webhook endpoints (never their secrets)",
  request: { query: PageQuery.extend(ShopQuery.shape) },
  responses: { 200: pageJson(WebhookEndpoint), ...errorResponses },
});
const create = createRoute({
  ...common,
  method: 'post',
  path: '/endpoints',
  summary: 'Create an endpoint; its signing secret (`whsec_…`) is shown only here',
  request: { query: ShopQuery, body: jsonBody(WebhookEndpointInput) },
  responses: {
    201: okJson(WebhookEndpointWithSecret, 'Created'),
    ...errorResponses,
    ...ownersOnlyResponses,
  },
});
const read = createRoute({
  ...common,
  method: 'get',
  path: '/endpoints/{id}',
  summary: 'Read an endpoint',
  request: { params: IdParam, query: ShopQuery },
  responses: { 200: okJson(WebhookEndpoint), ...errorResponses },
});
const update = createRoute({
  ...common,
  method: 'patch',
  path: '/endpoints/{id}',
  summary: 'Update an endpoint; `enabled: true` re-enables a disabled one',
  request: { params: IdParam, query: ShopQuery, body: jsonBody(WebhookEndpointPatch) },
  responses: { 200: okJson(WebhookEndpoint), ...errorResponses, ...ownersOnlyResponses },
});
const remove = createRoute({
  ...common,
  method: 'delete',
  path: '/endpoints/{id}',
  summary: 'Delete an endpoint; its queued deliveries are not sent',
  request: { params: IdParam, query: ShopQuery },
  responses: { 200: okJson(Deleted), ...errorResponses, ...ownersOnlyResponses },
});
const rotate = createRoute({
  ...common,
  method: 'post',
  path: '/endpoints/{id}/rotate_secret',
  summary:
    'Replace the signing secret; the new one is shown only here, and for 24 hours deliveries carry signatures with both',
  request: { params: IdParam, query: ShopQuery },
  responses: { 200: okJson(WebhookEndpointWithSecret), ...errorResponses, ...ownersOnlyResponses },
});

export function webhookRoutes({ stores, outbound }: Deps) {
  const checkUrl = async (url: string) => {
    const problem = await outbound.urlProblem(url);
    if (problem) throw invalidField('url', problem);
  };

  return createRouter()
    .openapi(list, async (c) => {
      const { shop_id, ...page } = c.req.valid('query');
      const shopId = shopFor(c.var.principal, shop_id);
      const { count, rows } = await stores.webhooks.list(shopId, page);
      return c.json(ok(toPage(c.req.url, page, count, rows)), 200);
    })
    .openapi(create, async (c) => {
      const { shop_id, ...input } = c.req.valid('json');
      const shopId = shopFor(c.var.principal, shop_id ?? c.req.valid('query').shop_id, 'webhooks');
      await checkUrl(input.url);
      return c.json(ok(await stores.webhooks.create({ ...input, shop_id: shopId })), 201);
    })
    .openapi(read, async (c) => {
      const { id } = c.req.valid('param');
      const shopId = c.req.valid('query').shop_id;
      return c.json(
        ok(owned(c.var.principal, await stores.webhooks.get(id), 'Webhook endpoint', shopId)),
        200,
      );
    })
    .openapi(update, async (c) => {
      const { id } = c.req.valid('param');
      const { shop_id, ...patch } = c.req.valid('json');
      const shopId = shop_id ?? c.req.valid('query').shop_id;
      owned(c.var.principal, await stores.webhooks.get(id), 'Webhook endpoint', shopId, 'webhooks');
      if (patch.url !== undefined) await checkUrl(patch.url);
      const endpoint = await stores.webhooks.update(id, patch);
      if (!endpoint) throw notFound('Webhook endpoint');
      return c.json(ok(endpoint), 200);
    })
    .openapi(remove, async (c) => {
      const { id } = c.req.valid('param');
      owned(
        c.var.principal,
        await stores.webhooks.get(id),
        'Webhook endpoint',
        c.req.valid('query').shop_id,
        'webhooks',
      );
      await stores.webhooks.delete(id);
      return c.json(deleted(id), 200);
    })
    .openapi(rotate, async (c) => {
      const { id } = c.req.valid('param');
      owned(
        c.var.principal,
        await stores.webhooks.get(id),
        'Webhook endpoint',
        c.req.valid('query').shop_id,
        'webhooks',
      );
      const endpoint = await stores.webhooks.rotateSecret(id);
      if (!endpoint) throw notFound('Webhook endpoint');
      return c.json(ok(endpoint), 200);
    });
}
