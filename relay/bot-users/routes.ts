import { createRoute, z } from '@hono/zod-openapi';
import type { Deps } from '../deps.js';
import { owned, shopFor, ShopQuery } from '../auth/principal.js';
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
import { conflict, invalidField, notFound } from '../http/errors.js';
import { PageQuery, toPage } from '../http/pagination.js';
import { EXPORT_TYPES, exportStream } from './export.js';
import { BotUser, BotUserCreate, BotUserFilter, BotUserPatch, ExportFormat } from './schemas.js';
import type { BotUserFields } from './store.js';

const common = { tags: ['bot users'], security };

const list = createRoute({
  ...common,
  method: 'get',
  path: '/bot_users',
  summary: "List a shop's bot users (messenger subscribers)",
  request: { query: PageQuery.extend(ShopQuery.shape).extend(BotUserFilter.shape) },
  responses: { 200: pageJson(BotUser), ...errorResponses },
});
const exportAll = createRoute({
  ...common,
  method: 'get',
  path: '/bot_users/export',
  summary: 'Download every bot user matching the filters (streamed, no page limit)',
  description:
    'CSV (UTF-8 with BOM, RFC 4180, formula-looking cells prefixed with an apostrophe) or NDJSON (one flat object per line, same columns as the CSV).',
  request: {
    query: ShopQuery.extend(BotUserFilter.shape).extend({
      format: ExportFormat.default('csv').openapi({ param: { name: 'format', in: 'query' } }),
    }),
  },
  responses: {
    200: {
      description: 'The file, as an attachment',
      headers: {
        'Content-Disposition': {
          description: '`attachment; filename="bot_users-<shop>-<date>.<format>"`',
          schema: { type: 'string' },
        },
        'Cache-Control': { description: '`no-store`', schema: { type: 'string' } },
      },
      content: {
        'text/csv': { schema: z.string() },
        'application/x-ndjson': { schema: z.string() },
      },
    },
    ...errorResponses,
  },
});
const read = createRoute({
  ...common,
  method: 'get',
  path: '/bot_users/{id}',
  summary: 'Read a bot user',
  request: { params: IdParam, query: ShopQuery },
  responses: { 200: okJson(BotUser), ...errorResponses },
});
const update = createRoute({
  ...common,
  method: 'patch',
  path: '/bot_users/{id}',
  summary: 'Update a bot user: user_vars merge key by key (null removes), tags replace the set',
  request: { params: IdParam, query: ShopQuery, body: jsonBody(BotUserPatch) },
  responses: { 200: okJson(BotUser), ...errorResponses },
});
const remove = createRoute({
  ...common,
  method: 'delete',
  path: '/bot_users/{id}',
  summary: "Erase a bot user's personal data (leads stay, unlinked)",
  request: { params: IdParam, query: ShopQuery },
  responses: { 200: okJson(Deleted), ...errorResponses },
});
const unsafeCreate = createRoute({
  ...common,
  method: 'post',
  path: '/bot_user/unsafe_create',
  summary: 'Create a bot user directly (imports, tests); normally a messenger creates them',
  request: { query: ShopQuery, body: jsonBody(BotUserCreate) },
  responses: {
    201: okJson(BotUser, 'Created'),
    ...errorResponses,
    409: errorResponse(
      409,
      'That bot already has this messenger user.',
      'This bot already has a user with this messenger_user_id.',
    ),
  },
});

export function botUserRoutes({ stores }: Deps) {
  /** The store's fields from a body; tag ids must be the shop's own. */
  const fields = async (shopId: number, body: BotUserPatch): Promise<BotUserFields> => {
    const { store = {}, name, state, lang_code, avatar_url } = body;
    const tagIds = store.tags && [...new Set(store.tags.map((t) => t.id))];
    if (tagIds?.length) {
      const foreign = await stores.botUsers.foreignTags(shopId, tagIds);
      if (foreign.length)
        throw invalidField('store.tags', `Unknown tag id: ${foreign.join(', ')}.`);
    }
    return {
      name,
      state,
      lang_code,
      avatar_url,
      phone: store.phone,
      subscribed_to_bot: store.subscribed_to_bot,
      tag_ids: tagIds,
      user_vars: store.user_vars,
    };
  };

  return createRouter()
    .openapi(list, async (c) => {
      const { shop_id, limit, offset, ...filter } = c.req.valid('query');
      const shopId = shopFor(c.var.principal, shop_id);
      const page = { limit, offset };
      const { count, rows } = await stores.botUsers.list(shopId, filter, page);
      return c.json(ok(toPage(c.req.url, page, count, rows)), 200);
    })
    .openapi(exportAll, async (c) => {
      const { shop_id, format, ...filter } = c.req.valid('query');
      const shopId = shopFor(c.var.principal, shop_id);
      const date = new Date().toISOString().slice(0, 10);
      return c.body(exportStream(stores.botUsers, shopId, filter, format), 200, {
        'Content-Type': EXPORT_TYPES[format],
        'Content-Disposition': `attachment; filename="bot_users-${shopId}-${date}.${format}"`,
        'Cache-Control': 'no-store',
      });
    })
    .openapi(read, async (c) => {
      const user = await stores.botUsers.get(c.req.valid('param').id);
      return c.json(
        ok(owned(c.var.principal, user, 'Bot user', c.req.valid('query').shop_id)),
        200,
      );
    })
    .openapi(update, async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const user = owned(
        c.var.principal,
        await stores.botUsers.get(id),
        'Bot user',
        body.shop_id ?? c.req.valid('query').shop_id,
      );
      const updated = await stores.botUsers.update(id, await fields(user.shop_id, body));
      if (!updated) throw notFound('Bot user');
      return c.json(ok(updated), 200);
    })
    .openapi(remove, async (c) => {
      const { id } = c.req.valid('param');
      owned(
        c.var.principal,
        await stores.botUsers.get(id),
        'Bot user',
        c.req.valid('query').shop_id,
      );
      await stores.botUsers.delete(id);
      return c.json(deleted(id), 200);
    })
    .openapi(unsafeCreate, async (c) => {
      const { shop_id, bot_id, messenger_user_id, ...body } = c.req.valid('json');
      const shopId = shopFor(c.var.principal, shop_id ?? c.req.valid('query').shop_id);
      const bot = await stores.bots.get(bot_id);
      if (!bot || bot.shop_id !== shopId)
        throw invalidField('bot_id', 'Choose a bot of this shop.');
      if (await stores.botUsers.findByMessengerId(bot_id, messenger_user_id)) {
        throw conflict('This bot already has a user with this messenger_user_id.', {
          messenger_user_id: ['This bot already has a user with this messenger_user_id.'],
        });
      }
      const input = await fields(shopId, body);
      const user = await stores.botUsers.create({
        ...input,
        shop_id: shopId,
        bot_id,
        messenger_user_id,
      });
      return c.json(ok(user), 201);
    });
}
