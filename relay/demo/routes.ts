import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { Hono } from 'hono';
import { randomBytes } from 'node:crypto';
import type { Deps } from '../deps.js';
import { ok } from '../http/api.js';
import { ApiError, notFound, validationError } from '../http/errors.js';
import { bodyLimit } from '../http/guards.js';
import { ipRateLimit } from '../http/ip-rate-limit.js';
import { OrderStatus } from '../orders/schemas.js';
import { CURRENCY, productBySku } from './catalog.js';
import { readShopFile, shopDir } from './html.js';
import { demoKeyIssuer, demoOrigins } from './key.js';
import { contactPage, homePage, managerPage, missingPage, noShopPage, orderPage } from './pages.js';

/**
 * The demo pages' policy: only this origin's scripts, styles and connections; no inline
 * script or style anywhere, so the widget is shown working under a strict CSP.
 */
export const DEMO_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy': DEMO_CSP,
  'X-Content-Type-Options': 'nosniff',
  // Pages carry the demo key and live data: never from a cache.
  'Cache-Control': 'no-store',
};
/** A fresh headers object each time: @hono/node-server adds Content-Length to the one given. */
const page = (body: string, status = 200) =>
  new Response(body, { status, headers: { ...PAGE_HEADERS } });

const ASSETS: Record<string, string> = {
  'shop.css': 'text/css; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
};

const OrderInput = z.object({
  sku: z.string().refine((s) => productBySku(s) !== undefined, 'No such product.'),
  qty: z.coerce.number().int().min(1).max(10).default(1),
});
const StatusInput = z.object({ status: OrderStatus });
const OrderId = z.coerce.number().int().positive();

/** Small form posts or JSON: a few fields. */
const DEMO_BODY_LIMIT = 16 * 1024;

/**
 * The demo shop website under /demo/ (mounted by createApp in demo mode only; a 404
 * otherwise): the pages, their two files, and two demo-only endpoints without auth —
 * `POST /demo/api/order` (a Buy) and `POST /demo/api/orders/:id/status` (the manager panel).
 * Both take a plain form post (answering 303 to the next page) or JSON (answering JSON), act
 * on the demo shop only, and are limited per address like the public API. /demo/inbox/ belongs to the sandbox messenger (relay/channels).
 */
export function demoRoutes(deps: Deps, { dir = shopDir() }: { dir?: string } = {}) {
  const { stores, config } = deps;
  const demoContext = demoKeyIssuer(deps);
  const origins = new Set(demoOrigins(config));
  // Anyone may buy and move demo orders: per address, as many a minute as the public API allows.
  const write = ipRateLimit(deps.db, { limit: config.publicRateLimit, name: 'demo-writes' });

  /** Writes come from the demo's own pages: another site's form must not move orders. */
  const sameSite = (c: Context) => {
    const origin = c.req.header('origin');
    if (origin && origin !== new URL(c.req.url).origin && !origins.has(origin))
      throw new ApiError(403, 'Only the demo pages may do this.');
  };
  const input = async <T extends z.ZodType>(c: Context, schema: T) => {
    const json = /json/i.test(c.req.header('content-type') ?? '');
    let raw: unknown;
    try {
      raw = json ? await c.req.json() : await c.req.parseBody();
    } catch {
      throw new ApiError(400, json ? 'Malformed JSON in request body.' : 'Unreadable form body.');
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success) throw validationError(parsed.error);
    return { json, value: parsed.data as z.infer<T> };
  };

  return new Hono({ strict: false })
    .get('/demo', async () => {
      const ctx = await demoContext();
      return ctx ? page(homePage(dir, ctx.key)) : page(noShopPage(), 404);
    })
    .get('/demo/contact', async () => {
      const ctx = await demoContext();
      return ctx ? page(contactPage(dir, ctx.key)) : page(noShopPage(), 404);
    })
    .get('/demo/manager', async () => {
      const ctx = await demoContext();
      if (!ctx) return page(noShopPage(), 404);
      const { rows } = await stores.orders.list(ctx.shop.id, {}, { limit: 20, offset: 0 });
      return page(managerPage(dir, ctx.key, rows, config.publicUrl));
    })
    .get('/demo/order/:ref', async (c) => {
      const ctx = await demoContext();
      if (!ctx) return page(noShopPage(), 404);
      const order = await stores.orders.byExternalId(ctx.shop.id, c.req.param('ref'));
      if (!order)
        return page(
          missingPage(dir, ctx.key, 'No such order', 'This order does not exist (any more).'),
          404,
        );
      return page(orderPage(dir, ctx.key, order));
    })
    .get('/demo/:file{shop\\.css|favicon\\.svg}', (c) => {
      const file = c.req.param('file');
      return c.body(readShopFile(dir, file), 200, {
        'Content-Type': ASSETS[file],
        'Cache-Control': 'no-cache',
        'X-Content-Type-Options': 'nosniff',
      });
    })
    .post('/demo/api/order', write, bodyLimit(DEMO_BODY_LIMIT), async (c) => {
      sameSite(c);
      const ctx = await demoContext();
      if (!ctx) throw notFound('Demo shop');
      const { json, value } = await input(c, OrderInput);
      const product = productBySku(value.sku)!;
      const { count } = await stores.orders.list(ctx.shop.id, {}, { limit: 1, offset: 0 });
      const ref = `demo-${randomBytes(5).toString('hex')}`;
      const { order } = await stores.orders.upsert(
        ctx.shop.id,
        {
          external_id: ref,
          number: String(1001 + count),
          customer: { name: 'Demo buyer' },
          items: [{ sku: product.sku, name: product.name, qty: value.qty, price: product.price }],
          currency: CURRENCY,
        },
        CURRENCY,
      );
      const url = `/demo/order/${ref}`;
      if (!json) return c.redirect(url, 303);
      return c.json(ok({ id: order.id, number: order.number, ref, url }), 201);
    })
    .post('/demo/api/orders/:id/status', write, bodyLimit(DEMO_BODY_LIMIT), async (c) => {
      sameSite(c);
      const ctx = await demoContext();
      if (!ctx) throw notFound('Demo shop');
      const id = OrderId.safeParse(c.req.param('id'));
      const current = id.success ? await stores.orders.get(id.data) : undefined;
      if (!current || current.shop_id !== ctx.shop.id) throw notFound('Order');
      const { json, value } = await input(c, StatusInput);
      // Through the store, as PATCH /api/store/orders/:id/ does: order.status_changed fires.
      const order = await stores.orders.update(current.id, { status: value.status });
      if (!json) return c.redirect('/demo/manager', 303);
      return c.json(ok(order), 200);
    });
}
