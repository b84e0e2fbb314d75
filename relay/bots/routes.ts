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
import { idleChannels, type ChannelLifecycle } from './lifecycle.js';
import { Bot, BotInput, BotPatch, BotStatus } from './schemas.js';
import type { BotChanges } from './store.js';
import { createTelegramApi } from '../channels/telegram/api.js';
import { checkTelegramToken, describeCheck, requireTelegramToken } from './telegram.js';

const common = { tags: ['bots'], security };

const list = createRoute({
  ...common,
  method: 'get',
  path: '/bots',
  summary: "List a shop's bots (messenger channels)",
  request: { query: PageQuery.extend(ShopQuery.shape) },
  responses: { 200: pageJson(Bot), ...errorResponses },
});
const create = createRoute({
  ...common,
  method: 'post',
  path: '/bots',
  summary: 'Connect a bot; a Telegram token is checked with getMe first. Owners only',
  request: { query: ShopQuery, body: jsonBody(BotInput) },
  responses: { 201: okJson(Bot, 'Created'), ...errorResponses, ...ownersOnlyResponses },
});
const read = createRoute({
  ...common,
  method: 'get',
  path: '/bots/{id}',
  summary: 'Read a bot (its token is never returned: see has_token)',
  request: { params: IdParam, query: ShopQuery },
  responses: { 200: okJson(Bot), ...errorResponses },
});
const update = createRoute({
  ...common,
  method: 'patch',
  path: '/bots/{id}',
  summary:
    'Rename a bot, replace its token or set its welcome flow (managers may rename and set the flow; only owners change credentials)',
  request: { params: IdParam, query: ShopQuery, body: jsonBody(BotPatch) },
  responses: { 200: okJson(Bot), ...errorResponses, ...ownersOnlyResponses },
});
const remove = createRoute({
  ...common,
  method: 'delete',
  path: '/bots/{id}',
  summary: 'Disconnect and delete a bot, with its bot users and flows. Owners only',
  request: { params: IdParam, query: ShopQuery },
  responses: { 200: okJson(Deleted), ...errorResponses, ...ownersOnlyResponses },
});
const status = createRoute({
  ...common,
  method: 'get',
  path: '/bot/{id}/status',
  summary: 'A bot’s connection status',
  request: { params: IdParam, query: ShopQuery },
  responses: { 200: okJson(BotStatus), ...errorResponses },
});
const restart = createRoute({
  ...common,
  method: 'post',
  path: '/bot/{id}/restart',
  summary: 'Reconnect a bot (re-checks a Telegram token); a failure shows as status "error"',
  request: { params: IdParam, query: ShopQuery },
  responses: { 200: okJson(Bot), ...errorResponses },
});
const stop = createRoute({
  ...common,
  method: 'post',
  path: '/bot/{id}/stop',
  summary: 'Disconnect a bot until it is restarted',
  request: { params: IdParam, query: ShopQuery },
  responses: { 200: okJson(Bot), ...errorResponses },
});

/** What a manager may change on a bot; any other field (a token, credentials) is an owner's. */
const MANAGER_BOT_FIELDS = new Set(['shop_id', 'name', 'welcome_flow_id']);
const changesCredentials = (patch: Record<string, unknown>) =>
  Object.entries(patch).some(([k, v]) => v !== undefined && !MANAGER_BOT_FIELDS.has(k));

/**
 * `channels` connects bots to their messengers (relay/channels: Telegram webhooks or long
 * polling); `idleChannels` when a caller needs none.
 */
export function botRoutes(
  { stores, config, outbound }: Deps,
  channels: ChannelLifecycle = idleChannels,
) {
  const telegram = createTelegramApi(config.telegramApiUrl, outbound);
  /** Sandbox bots are the demo's: its inbox has no login, so no other shop may have one. */
  const sandboxAllowed = async (shopId: number) => {
    if (!config.demo || !(await stores.shops.get(shopId))?.demo)
      throw invalidField(
        'bot_type',
        'Sandbox bots belong to the demo shop only; connect a messenger such as telegram instead.',
      );
  };
  const saved = async (id: number, changes: BotChanges) => {
    const bot = await stores.bots.update(id, changes);
    if (!bot) throw notFound('Bot');
    return bot;
  };

  return createRouter()
    .openapi(list, async (c) => {
      const { shop_id, ...page } = c.req.valid('query');
      const shopId = shopFor(c.var.principal, shop_id);
      const { count, rows } = await stores.bots.list(shopId, page);
      return c.json(ok(toPage(c.req.url, page, count, rows)), 200);
    })
    .openapi(create, async (c) => {
      const { shop_id, bot_type, name, token } = c.req.valid('json');
      const shopId = shopFor(c.var.principal, shop_id ?? c.req.valid('query').shop_id, 'bots');
      if (bot_type === 'sandbox') await sandboxAllowed(shopId);
      let nickname: string | null = null;
      if (bot_type === 'telegram') {
        if (!token) throw invalidField('token', 'Telegram bots need a token from @BotFather.');
        nickname = await requireTelegramToken(telegram, token);
      }
      const bot = await stores.bots.create({
        shop_id: shopId,
        bot_type,
        name,
        credential: token ?? null,
        tg_bot_nickname: nickname,
      });
      await channels.start(bot);
      // Connecting may have failed (setWebhook refused): answer with the status it left.
      return c.json(ok((await stores.bots.get(bot.id)) ?? bot), 201);
    })
    .openapi(read, async (c) => {
      const bot = await stores.bots.get(c.req.valid('param').id);
      return c.json(ok(owned(c.var.principal, bot, 'Bot', c.req.valid('query').shop_id)), 200);
    })
    .openapi(update, async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const { shop_id, token, bot_type, ...patch } = body;
      const bot = owned(
        c.var.principal,
        await stores.bots.get(id),
        'Bot',
        shop_id ?? c.req.valid('query').shop_id,
        changesCredentials(body) ? 'bots' : undefined,
      );
      if ((bot_type ?? bot.bot_type) === 'sandbox') await sandboxAllowed(bot.shop_id);
      if (bot_type !== undefined && bot_type !== bot.bot_type)
        throw invalidField('bot_type', 'A bot’s type cannot change; create a new bot instead.');
      const changes: BotChanges = { ...patch };
      if (patch.welcome_flow_id != null) {
        if (!(await stores.bots.isFlowOf(patch.welcome_flow_id, bot.shop_id, bot.id)))
          throw invalidField('welcome_flow_id', 'Choose a flow of this bot.');
      }
      const tokenChanged = token !== undefined && token !== (await stores.bots.credential(bot.id));
      if (tokenChanged) {
        if (bot.bot_type === 'telegram') {
          if (token === null) throw invalidField('token', 'Telegram bots need a token.');
          changes.tg_bot_nickname = await requireTelegramToken(telegram, token);
        }
        changes.credential = token;
        // A working token clears an earlier failure; a stopped bot stays stopped.
        if (bot.status === 'error') Object.assign(changes, { status: 'active', status_detail: '' });
      }
      const updated = await saved(id, changes);
      if (tokenChanged && updated.status === 'active') await channels.start(updated);
      return c.json(ok((await stores.bots.get(id)) ?? updated), 200);
    })
    .openapi(remove, async (c) => {
      const { id } = c.req.valid('param');
      const bot = owned(
        c.var.principal,
        await stores.bots.get(id),
        'Bot',
        c.req.valid('query').shop_id,
        'bots',
      );
      await channels.stop(bot);
      await stores.bots.delete(id);
      return c.json(deleted(id), 200);
    })
    .openapi(status, async (c) => {
      const bot = owned(
        c.var.principal,
        await stores.bots.get(c.req.valid('param').id),
        'Bot',
        c.req.valid('query').shop_id,
      );
      const { id, bot_type, status, status_detail, tg_bot_nickname, updated_at } = bot;
      return c.json(ok({ id, bot_type, status, status_detail, tg_bot_nickname, updated_at }), 200);
    })
    .openapi(restart, async (c) => {
      const { id } = c.req.valid('param');
      const bot = owned(
        c.var.principal,
        await stores.bots.get(id),
        'Bot',
        c.req.valid('query').shop_id,
      );
      const changes: BotChanges = { status: 'active', status_detail: '' };
      if (bot.bot_type === 'telegram') {
        const token = await stores.bots.credential(id);
        const check = token
          ? await checkTelegramToken(telegram, token)
          : ({ ok: false, reason: 'rejected', description: 'No token' } as const);
        if (check.ok) changes.tg_bot_nickname = check.username;
        else Object.assign(changes, { status: 'error', status_detail: describeCheck(check) });
      }
      await channels.stop(bot);
      const updated = await saved(id, changes);
      if (updated.status === 'active') await channels.start(updated);
      return c.json(ok((await stores.bots.get(id)) ?? updated), 200);
    })
    .openapi(stop, async (c) => {
      const { id } = c.req.valid('param');
      const bot = owned(
        c.var.principal,
        await stores.bots.get(id),
        'Bot',
        c.req.valid('query').shop_id,
      );
      await channels.stop(bot);
      return c.json(ok(await saved(id, { status: 'stopped', status_detail: '' })), 200);
    });
}
