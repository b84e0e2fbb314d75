import { createRoute, z } from '@hono/zod-openapi';
import { owned, shopFor, ShopId, ShopQuery } from '../auth/principal.js';
import type { Deps } from '../deps.js';
import {
  createRouter,
  errorResponses,
  jsonBody,
  ok,
  okJson,
  ownersOnlyResponses,
  security,
} from '../http/api.js';
import { notFound } from '../http/errors.js';
import { DEFAULT_ORDER_TEMPLATES, renderOrderMessage } from './notify.js';
import { OrderTemplates, TemplateText, type Order } from './schemas.js';

export const VARIABLES = ['order.number', 'order.status', 'order.total', 'order.currency'];

export const OrderTemplateSet = z
  .object({
    /**
     * The shop's own texts, by status (`*`: every other status); a status may also carry the
     * approved WhatsApp template for buyers outside WhatsApp's 24-hour window.
     */
    templates: OrderTemplates,
    /** What the relay says for a status the shop wrote nothing for. */
    defaults: z.record(z.string(), z.string()),
    /** `{order.number}` etc., replaced by the order's values. */
    variables: z.array(z.string()),
  })
  .openapi('OrderTemplates');

const Preview = z
  .object({
    shop_id: ShopId.optional(),
    /** The status whose message to show. */
    status: z.string().regex(/^[a-z][a-z0-9_]{0,31}$/),
    /** A text not saved yet (the editor's draft); default: the shop's text for the status. */
    template: TemplateText.optional(),
    /** One of the shop's orders to fill in; default: an example order. */
    order_id: z.number().int().positive().optional(),
  })
  .openapi('OrderTemplatePreviewInput');
const PreviewResult = z
  .object({
    /** The message as the buyer reads it (plain text). */
    text: z.string(),
    /** The same, as sent to Telegram (HTML, values escaped). */
    html: z.string(),
  })
  .openapi('OrderTemplatePreview');

const common = { tags: ['orders'], security };
const read = createRoute({
  ...common,
  method: 'get',
  path: '/order_templates',
  operationId: 'getOrderTemplates',
  summary: 'What buyers subscribed to an order hear per status: the shop’s texts and the defaults',
  request: { query: ShopQuery },
  responses: { 200: okJson(OrderTemplateSet), ...errorResponses },
});
const write = createRoute({
  ...common,
  method: 'put',
  path: '/order_templates',
  operationId: 'putOrderTemplates',
  summary:
    'Replace the shop’s texts per order status (`settings.order_templates`; a status left out says the default). Owners only',
  request: {
    query: ShopQuery,
    body: jsonBody(
      z
        .object({ shop_id: ShopId.optional(), templates: OrderTemplates })
        .openapi('OrderTemplatesInput'),
    ),
  },
  responses: { 200: okJson(OrderTemplateSet), ...errorResponses, ...ownersOnlyResponses },
});
const preview = createRoute({
  ...common,
  method: 'post',
  path: '/order_templates/preview',
  operationId: 'previewOrderTemplate',
  summary: 'The message a status sends, filled in with an order (or an example), before saving',
  request: { query: ShopQuery, body: jsonBody(Preview) },
  responses: { 200: okJson(PreviewResult), ...errorResponses },
});

/** An order to show a template with when the shop names none. */
const EXAMPLE: Order = {
  id: 0,
  shop_id: 0,
  external_id: null,
  number: '1001',
  optin_ref: '',
  status: 'new',
  customer: { name: 'Ann Buyer', phone: '', email: '' },
  items: [],
  total: 49.9,
  currency: 'EUR',
  status_history: [],
  subscribers_count: 0,
  created_at: '',
  updated_at: '',
};

const plain = (html: string) =>
  html
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');

/**
 * Order message templates as a resource of their own, stored where the buyers' messages
 * read them (shop settings). Reading and previewing are every member's; writing is the
 * owners', like every shop setting.
 */
export function orderTemplateRoutes({ stores }: Deps) {
  const setOf = async (shopId: number) => {
    const shop = await stores.shops.get(shopId);
    if (!shop) throw notFound('Shop');
    const own = OrderTemplates.safeParse(shop.settings.order_templates);
    return {
      templates: own.success ? own.data : {},
      defaults: DEFAULT_ORDER_TEMPLATES,
      variables: VARIABLES,
    };
  };

  return createRouter()
    .openapi(read, async (c) => {
      const shopId = shopFor(c.var.principal, c.req.valid('query').shop_id);
      return c.json(ok(await setOf(shopId)), 200);
    })
    .openapi(write, async (c) => {
      const body = c.req.valid('json');
      const shopId = shopFor(c.var.principal, body.shop_id ?? c.req.valid('query').shop_id, 'shop');
      await stores.shops.update(shopId, { settings: { order_templates: body.templates } });
      return c.json(ok(await setOf(shopId)), 200);
    })
    .openapi(preview, async (c) => {
      const body = c.req.valid('json');
      const shopId = shopFor(c.var.principal, body.shop_id ?? c.req.valid('query').shop_id);
      const order =
        body.order_id === undefined
          ? { ...EXAMPLE, shop_id: shopId }
          : owned(c.var.principal, await stores.orders.get(body.order_id), 'Order', shopId);
      const { templates } = await setOf(shopId);
      const own = body.template === undefined ? templates : { [body.status]: body.template };
      const html = renderOrderMessage({ ...order, status: body.status }, own);
      return c.json(ok({ text: plain(html), html }), 200);
    });
}
