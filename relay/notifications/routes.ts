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
import { invalidField, notFound, validationError } from '../http/errors.js';
import { PageQuery, toPage } from '../http/pagination.js';
import { urlProblem } from '../webhooks/ssrf.js';
import {
  NotificationChannel,
  NotificationChannelInput,
  NotificationChannelPatch,
} from './schemas.js';
import type { ChannelWrite } from './store.js';

const common = { tags: ['staff alerts'], security };

const list = createRoute({
  ...common,
  method: 'get',
  path: '/channels',
  summary: "List a shop's staff alert channels",
  request: { query: PageQuery.extend(ShopQuery.shape) },
  responses: { 200: pageJson(NotificationChannel), ...errorResponses },
});
const create = createRoute({
  ...common,
  method: 'post',
  path: '/channels',
  summary: 'Create an alert channel: a Telegram chat (through one of the shop’s bots) or a webhook',
  request: { query: ShopQuery, body: jsonBody(NotificationChannelInput) },
  responses: { 201: okJson(NotificationChannel, 'Created'), ...errorResponses },
});
const read = createRoute({
  ...common,
  method: 'get',
  path: '/channels/{id}',
  summary: 'Read an alert channel',
  request: { params: IdParam, query: ShopQuery },
  responses: { 200: okJson(NotificationChannel), ...errorResponses },
});
const update = createRoute({
  ...common,
  method: 'patch',
  path: '/channels/{id}',
  summary: 'Update an alert channel (events, target, enabled)',
  request: { params: IdParam, query: ShopQuery, body: jsonBody(NotificationChannelPatch) },
  responses: { 200: okJson(NotificationChannel), ...errorResponses },
});
const remove = createRoute({
  ...common,
  method: 'delete',
  path: '/channels/{id}',
  summary: 'Delete an alert channel',
  request: { params: IdParam, query: ShopQuery },
  responses: { 200: okJson(Deleted), ...errorResponses },
});

/** Bots that can post a staff alert: Telegram, and the sandbox messenger of the demo. */
const ALERT_BOTS = new Set(['telegram', 'sandbox']);

export function channelRoutes({ stores, config }: Deps) {
  /** What the type-level schema cannot see: the shop's own bot, a reachable URL, email. */
  const check = async (shopId: number, ch: ChannelWrite) => {
    if (ch.type === 'email') throw invalidField('type', 'Email alerts are not available yet.');
    if (ch.bot_id != null) {
      const bot = await stores.bots.get(ch.bot_id);
      if (!bot || bot.shop_id !== shopId || !ALERT_BOTS.has(bot.bot_type))
        throw invalidField('bot_id', 'No such Telegram bot in this shop.');
    }
    if (ch.url != null) {
      const problem = await urlProblem(ch.url, config.webhookAllowPrivate);
      if (problem) throw invalidField('url', problem);
    }
  };

  return createRouter()
    .openapi(list, async (c) => {
      const { shop_id, ...page } = c.req.valid('query');
      const shopId = shopFor(c.var.principal, shop_id);
      const { count, rows } = await stores.channels.list(shopId, page);
      return c.json(ok(toPage(c.req.url, page, count, rows)), 200);
    })
    .openapi(create, async (c) => {
      const { shop_id, ...input } = c.req.valid('json');
      const shopId = shopFor(c.var.principal, shop_id ?? c.req.valid('query').shop_id);
      const write: ChannelWrite = {
        type: input.type,
        bot_id: input.bot_id ?? null,
        chat_id: input.chat_id ?? null,
        url: input.url ?? null,
        events: input.events,
        enabled: input.enabled,
      };
      await check(shopId, write);
      return c.json(ok(await stores.channels.create(shopId, write)), 201);
    })
    .openapi(read, async (c) => {
      const { id } = c.req.valid('param');
      const channel = owned(
        c.var.principal,
        await stores.channels.get(id),
        'Channel',
        c.req.valid('query').shop_id,
      );
      return c.json(ok(channel), 200);
    })
    .openapi(update, async (c) => {
      const { id } = c.req.valid('param');
      const { shop_id, ...patch } = c.req.valid('json');
      const shopId = shop_id ?? c.req.valid('query').shop_id;
      const current = owned(c.var.principal, await stores.channels.get(id), 'Channel', shopId);
      // A new type starts from none of the old type's fields.
      const base =
        patch.type && patch.type !== current.type
          ? { ...current, bot_id: null, chat_id: null, url: null }
          : current;
      const merged = { ...base, ...definedOnly(patch) };
      const parsed = NotificationChannelInput.safeParse(merged);
      if (!parsed.success) throw validationError(parsed.error);
      const write: ChannelWrite = {
        type: parsed.data.type,
        bot_id: parsed.data.bot_id ?? null,
        chat_id: parsed.data.chat_id ?? null,
        url: parsed.data.url ?? null,
        events: parsed.data.events,
        enabled: parsed.data.enabled,
      };
      await check(current.shop_id, write);
      const channel = await stores.channels.update(id, write);
      if (!channel) throw notFound('Channel');
      return c.json(ok(channel), 200);
    })
    .openapi(remove, async (c) => {
      const { id } = c.req.valid('param');
      owned(
        c.var.principal,
        await stores.channels.get(id),
        'Channel',
        c.req.valid('query').shop_id,
      );
      await stores.channels.delete(id);
      return c.json(deleted(id), 200);
    });
}

const definedOnly = <T extends Record<string, unknown>>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
