import { createRoute } from '@hono/zod-openapi';
import type { Deps } from '../deps.js';
import { owned, shopFor, ShopQuery } from '../auth/principal.js';
import {
  createRouter,
  errorResponse,
  errorResponses,
  IdParam,
  ok,
  okJson,
  pageJson,
  security,
} from '../http/api.js';
import { conflict, notFound } from '../http/errors.js';
import { PageQuery, toPage } from '../http/pagination.js';
import { DeliveryDetail, DeliveryFilterQuery, DeliverySchema } from './schemas.js';

const common = { tags: ['deliveries'], security };

const list = createRoute({
  ...common,
  method: 'get',
  path: '/deliveries',
  summary: "List a shop's deliveries (alerts, webhooks, messages), newest first",
  request: { query: PageQuery.extend(ShopQuery.shape).extend(DeliveryFilterQuery.shape) },
  responses: { 200: pageJson(DeliverySchema), ...errorResponses },
});
const read = createRoute({
  ...common,
  method: 'get',
  path: '/deliveries/{id}',
  summary: 'Read a delivery with every attempt made',
  request: { params: IdParam, query: ShopQuery },
  responses: { 200: okJson(DeliveryDetail), ...errorResponses },
});
const retry = createRoute({
  ...common,
  method: 'post',
  path: '/deliveries/{id}/retry',
  summary: 'Queue a failed or dead delivery again, with a fresh set of attempts',
  request: { params: IdParam, query: ShopQuery },
  responses: {
    200: okJson(DeliverySchema),
    409: errorResponse(
      409,
      'The delivery is not failed or dead.',
      'Only failed or dead deliveries can be retried; this one is sent.',
    ),
    ...errorResponses,
  },
});

export function deliveryRoutes({ stores }: Deps) {
  return createRouter()
    .openapi(list, async (c) => {
      const { shop_id, limit, offset, ...filter } = c.req.valid('query');
      const shopId = shopFor(c.var.principal, shop_id);
      const page = { limit, offset };
      const { count, rows } = await stores.deliveries.list(shopId, filter, page);
      return c.json(ok(toPage(c.req.url, page, count, rows)), 200);
    })
    .openapi(read, async (c) => {
      const { id } = c.req.valid('param');
      const d = owned(
        c.var.principal,
        await stores.deliveries.get(id),
        'Delivery',
        c.req.valid('query').shop_id,
      );
      const attempt_log = (await stores.deliveries.attempts(id)).map((a) => ({
        started_at: a.started_at,
        duration_ms: a.duration_ms,
        outcome: a.outcome,
        error: a.error,
        remote_id: a.remote_id,
      }));
      return c.json(ok({ ...d, attempt_log }), 200);
    })
    .openapi(retry, async (c) => {
      const { id } = c.req.valid('param');
      const d = owned(
        c.var.principal,
        await stores.deliveries.get(id),
        'Delivery',
        c.req.valid('query').shop_id,
      );
      if (d.status !== 'failed' && d.status !== 'dead')
        throw conflict(`Only failed or dead deliveries can be retried; this one is ${d.status}.`);
      const queued = await stores.deliveries.retry(id);
      // Between the read and the update the worker may have picked a failed row up.
      if (!queued) throw conflict('The delivery changed meanwhile; read it again.');
      return c.json(ok(queued), 200);
    });
}
