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
import { Bot, BotConnected, BotInput, BotPatch, BotStatus } from './schemas.js';
import type { BotChanges, BotCredentials } from './store.js';
import { plainMessenger } from '../channels/setup.js';
import type { Messenger } from '../channels/types.js';
import {
  WhatsAppCredentials,
  WhatsAppSettings,
  WhatsAppTemplate,
} from '../channels/whatsapp/settings.js';

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
  summary:
    'Connect a bot; its token is checked with the messenger first (Telegram getMe, WhatsApp: the phone number id with the access token). Owners only',
  request: { query: ShopQuery, body: jsonBody(BotInput) },
  responses: { 201: okJson(BotConnected, 'Created'), ...errorResponses, ...ownersOnlyResponses },
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
    'Rename a bot, replace its token, settings or credentials (checked again), or set its welcome flow (managers may rename and set the flow; only owners change the rest)',
  request: { params: IdParam, query: ShopQuery, body: jsonBody(BotPatch) },
  responses: { 200: okJson(BotConnected), ...errorResponses, ...ownersOnlyResponses },
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
  summary:
    'Reconnect a bot (re-checks its token with the messenger); a failure shows as status "error"',
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
 * polling); `idleChannels` when a caller needs none. `messenger` checks a bot's token,
 * settings and credentials with its messenger (relay/channels/types.ts).
 */
export function botRoutes(
  { stores, config }: Deps,
  channels: ChannelLifecycle = idleChannels,
  messenger: (type: Bot['bot_type']) => Messenger = plainMessenger,
) {
  /** A create or update answer: where to paste the webhook, and what to copy once. */
  const connected = (bot: Bot, shownOnce: Record<string, string> = {}) => ({
    ...bot,
    webhook_url: messenger(bot.bot_type).webhookUrl?.(bot) ?? null,
    ...shownOnce,
  });
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

  const router = createRouter();
  // Documented as their own components: BotInput's settings and credentials name them.
  router.openAPIRegistry.register('WhatsAppSettings', WhatsAppSettings);
  router.openAPIRegistry.register('WhatsAppCredentials', WhatsAppCredentials);
  router.openAPIRegistry.register('WhatsAppTemplate', WhatsAppTemplate);
  return router
    .openapi(list, async (c) => {
      const { shop_id, ...page } = c.req.valid('query');
      const shopId = shopFor(c.var.principal, shop_id);
      const { count, rows } = await stores.bots.list(shopId, page);
      return c.json(ok(toPage(c.req.url, page, count, rows)), 200);
    })
    .openapi(create, async (c) => {
      const {
        shop_id,
        bot_type,
        name,
        token,
        settings = {},
        credentials = {},
      } = c.req.valid('json');
      const shopId = shopFor(c.var.principal, shop_id ?? c.req.valid('query').shop_id, 'bots');
      if (bot_type === 'sandbox') await sandboxAllowed(shopId);
      const setup = await messenger(bot_type).setup({
        shop_id: shopId,
        token: token ?? null,
        settings,
        credentials: credentials as BotCredentials,
      });
      const bot = await stores.bots.create({
        shop_id: shopId,
        bot_type,
        name,
        credential: token ?? null,
        tg_bot_nickname: setup.nickname,
        settings: setup.settings,
        credentials: setup.credentials,
      });
      await channels.start(bot);
      // Connecting may have failed (setWebhook refused): answer with the status it left.
      return c.json(ok(connected((await stores.bots.get(bot.id)) ?? bot, setup.shownOnce)), 201);
    })
    .openapi(read, async (c) => {
      const bot = await stores.bots.get(c.req.valid('param').id);
      return c.json(ok(owned(c.var.principal, bot, 'Bot', c.req.valid('query').shop_id)), 200);
    })
    .openapi(update, async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const { shop_id, token, bot_type, settings, credentials, ...patch } = body;
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
      const stored = (await stores.bots.withSecrets(bot.id))!;
      const tokenChanged = token !== undefined && token !== stored.token;
      // A new token, settings or credentials: the messenger checks the whole bot again.
      const reconnect = tokenChanged || settings !== undefined || credentials !== undefined;
      let shownOnce: Record<string, string> | undefined;
      if (reconnect) {
        const setup = await messenger(bot.bot_type).setup({
          shop_id: bot.shop_id,
          token: token !== undefined ? token : stored.token,
          settings: { ...bot.settings, ...settings },
          credentials: { ...stored.credentials, ...(credentials as BotCredentials) },
          current: bot,
        });
        Object.assign(changes, { settings: setup.settings, credentials: setup.credentials });
        if (setup.nickname !== null) changes.tg_bot_nickname = setup.nickname;
        if (tokenChanged) changes.credential = token;
        shownOnce = setup.shownOnce;
        // A working token clears an earlier failure; a stopped bot stays stopped.
        if (bot.status === 'error') Object.assign(changes, { status: 'active', status_detail: '' });
      }
      const updated = await saved(id, changes);
      if (reconnect && updated.status === 'active') await channels.start(updated);
      return c.json(ok(connected((await stores.bots.get(id)) ?? updated, shownOnce)), 200);
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
      const webhook_url = messenger(bot_type).webhookUrl?.(bot) ?? null;
      return c.json(
        ok({ id, bot_type, status, status_detail, tg_bot_nickname, webhook_url, updated_at }),
        200,
      );
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
      const check = await messenger(bot.bot_type).verify?.(bot);
      if (check?.ok && check.nickname !== null) changes.tg_bot_nickname = check.nickname;
      else if (check && !check.ok)
        Object.assign(changes, { status: 'error', status_detail: check.detail });
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
