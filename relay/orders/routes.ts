import { createRoute } from '@hono/zod-openapi';
import type { Deps } from '../deps.js';
import { owned, shopFor, ShopQuery } from '../auth/principal.js';
import { defaultCountry, toE164 } from '../forms/phone.js';
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
  pageJson,
  security,
} from '../http/api.js';
import { conflict, notFound } from '../http/errors.js';
import { PageQuery, toPage } from '../http/pagination.js';
import { Order, OrderFilter, OrderInput, OrderPatch } from './schemas.js';
import type { OrderWrite } from './store.js';

const common = { tags: ['orders'], security };

const list = createRoute({
  ...common,
  method: 'get',
  path: '/orders',
  summary: "List a shop's orders, newest first",
  request: { query: PageQuery.extend(ShopQuery.shape).extend(OrderFilter.shape) },
  responses: { 200: pageJson(Order), ...errorResponses },
});
const create = createRoute({
  ...common,
  method: 'post',
  path: '/orders',
  summary: 'Create an order, or update the one with the same `external_id`',
  request: { query: ShopQuery, body: jsonBody(OrderInput) },
  responses: {
    200: okJson(Order, 'Updated: the shop already had an order with this external_id'),
    201: okJson(Order, 'Created'),
    ...errorResponses,
  },
});
const read = createRoute({
  ...common,
  method: 'get',
  path: '/orders/{id}',
  summary: 'Read an order with its items, status history and subscriber count',
  request: { params: IdParam, query: ShopQuery },
  responses: { 200: okJson(Order), ...errorResponses },
});
const update = createRoute({
  ...common,
  method: 'patch',
  path: '/orders/{id}',
  summary: 'Update an order (`items` replaces the list; a new status is added to the history)',
  request: { params: IdParam, query: ShopQuery, body: jsonBody(OrderPatch) },
  responses: {
    200: okJson(Order),
    ...errorResponses,
    409: errorResponse(
      409,
      'Another order has this external_id.',
      'Another order has this external_id.',
    ),
  },
});
const remove = createRoute({
  ...common,
  method: 'delete',
  path: '/orders/{id}',
  summary: 'Delete an order',
  request: { params: IdParam, query: ShopQuery },
  responses: { 200: okJson(Deleted), ...errorResponses },
});

export function orderRoutes({ stores }: Deps) {
  /** Shop settings that fill order defaults: `currency` and `default_country` (phones). */
  const settingsOf = async (shopId: number) => (await stores.shops.get(shopId))?.settings ?? {};

  /** The customer's phone in E.164 when it parses; otherwise as the backend sent it. */
  const withPhone = <T extends OrderWrite>(input: T, settings: Record<string, unknown>): T => {
    const phone = input.customer?.phone;
    if (!phone) return input;
    const e164 = toE164(phone, defaultCountry(settings));
    return { ...input, customer: { ...input.customer, phone: e164 ?? phone } };
  };

  return createRouter()
    .openapi(list, async (c) => {
      const { shop_id, limit, offset, ...filter } = c.req.valid('query');
      const shopId = shopFor(c.var.principal, shop_id);
      const page = { limit, offset };
      const { count, rows } = await stores.orders.list(shopId, filter, page);
      return c.json(ok(toPage(c.req.url, page, count, rows)), 200);
    })
    .openapi(create, async (c) => {
      const { shop_id, ...input } = c.req.valid('json');
      const shopId = shopFor(c.var.principal, shop_id ?? c.req.valid('query').shop_id);
      const settings = await settingsOf(shopId);
      const { order, created } = await stores.orders.upsert(
        shopId,
        withPhone(input, settings),
        shopCurrency(settings),
      );
      return created ? c.json(ok(order), 201) : c.json(ok(order), 200);
    })
    .openapi(read, async (c) => {
      const { id } = c.req.valid('param');
      const order = owned(
        c.var.principal,
        await stores.orders.get(id),
        'Order',
        c.req.valid('query').shop_id,
      );
      return c.json(ok(order), 200);
    })
    .openapi(update, async (c) => {
      const { id } = c.req.valid('param');
      const { shop_id, ...input } = c.req.valid('json');
      const shopId = shop_id ?? c.req.valid('query').shop_id;
      const order = owned(c.var.principal, await stores.orders.get(id), 'Order', shopId);
      if (input.external_id) {
        const other = await stores.orders.byExternalId(order.shop_id, input.external_id);
        if (other && other.id !== id)
          throw conflict('Another order has this external_id.', {
            external_id: ['Another order of this shop has this external_id.'],
          });
      }
      const updated = await stores.orders.update(
        id,
        withPhone(input, await settingsOf(order.shop_id)),
      );
      if (!updated) throw notFound('Order');
      return c.json(ok(updated), 200);
    })
    .openapi(remove, async (c) => {
      const { id } = c.req.valid('param');
      owned(c.var.principal, await stores.orders.get(id), 'Order', c.req.valid('query').shop_id);
      await stores.orders.delete(id);
      return c.json(deleted(id), 200);
    });
}

/** The shop's `settings.currency` when it is an ISO 4217 code, else USD. */
const shopCurrency = (settings: Record<string, unknown>): string =>
  typeof settings.currency === 'string' && /^[A-Z]{3}$/.test(settings.currency)
    ? settings.currency
    : 'USD';
