import { createRoute } from '@hono/zod-openapi';
import { owned, shopFor, ShopQuery } from '../auth/principal.js';
import { BotUser } from '../bot-users/schemas.js';
import type { Deps } from '../deps.js';
import {
  createRouter,
  errorResponses,
  IdParam,
  ok,
  okJson,
  pageJson,
  security,
} from '../http/api.js';
import { notFound } from '../http/errors.js';
import { PageQuery, toPage } from '../http/pagination.js';
import { Conversation, ConversationFilter, ReadInput, TakeoverInput } from './schemas.js';

const common = { tags: ['conversations'], security };

const list = createRoute({
  ...common,
  method: 'get',
  path: '/conversations',
  operationId: 'listConversations',
  summary:
    'A shop’s conversations, newest message first: each person with their last message and unread count',
  request: { query: PageQuery.extend(ShopQuery.shape).extend(ConversationFilter.shape) },
  responses: { 200: pageJson(Conversation), ...errorResponses },
});
const read = createRoute({
  ...common,
  method: 'post',
  path: '/conversations/{id}/read',
  operationId: 'markConversationRead',
  summary:
    'Mark a conversation (by bot user id) read, up to a message or its newest; shared by the shop’s team',
  request: {
    params: IdParam,
    query: ShopQuery,
    body: { content: { 'application/json': { schema: ReadInput } }, required: false },
  },
  responses: { 200: okJson(Conversation), ...errorResponses },
});
const takeOver = createRoute({
  ...common,
  method: 'post',
  path: '/bot_user/take_over',
  operationId: 'takeOverBotUser',
  summary:
    'A manager answers this person from now on: the bot’s scenario pauses for them (their messages raise message.received)',
  request: {
    query: ShopQuery,
    body: { content: { 'application/json': { schema: TakeoverInput } }, required: true },
  },
  responses: { 200: okJson(BotUser, 'Taken over (or already was)'), ...errorResponses },
});
const handBack = createRoute({
  ...common,
  method: 'post',
  path: '/bot_user/hand_back',
  operationId: 'handBackBotUser',
  summary:
    'The bot answers this person again: their scenario goes on where it waits (a delay that ended meanwhile resumes)',
  request: {
    query: ShopQuery,
    body: { content: { 'application/json': { schema: TakeoverInput } }, required: true },
  },
  responses: { 200: okJson(BotUser, 'Handed back (or was not taken over)'), ...errorResponses },
});

/**
 * Conversations (the console's chat list and read markers) and taking a person over from the
 * bot: operational work, open to managers and the shop's secret key.
 */
export function conversationRoutes({ stores }: Deps) {
  const { conversations, botUsers } = stores;
  const person = async (id: number, shopId: number | undefined, p: Parameters<typeof owned>[0]) =>
    owned(p, await botUsers.get(id), 'Bot user', shopId);

  return createRouter()
    .openapi(list, async (c) => {
      const { shop_id, limit, offset, ...filter } = c.req.valid('query');
      const shopId = shopFor(c.var.principal, shop_id);
      const page = { limit, offset };
      const { count, rows } = await conversations.list(shopId, filter, page);
      return c.json(ok(toPage(c.req.url, page, count, rows)), 200);
    })
    .openapi(read, async (c) => {
      const user = await person(
        c.req.valid('param').id,
        c.req.valid('query').shop_id,
        c.var.principal,
      );
      // An empty body reads everything.
      const body = (c.req.header('content-length') ?? '0') === '0' ? {} : c.req.valid('json');
      await conversations.markRead(user.id, body?.message_id);
      const conversation = await conversations.get(user.id);
      if (!conversation) throw notFound('Bot user');
      return c.json(ok(conversation), 200);
    })
    .openapi(takeOver, async (c) => {
      const { shop_id, bot_user_id } = c.req.valid('json');
      const p = c.var.principal;
      const user = await person(bot_user_id, shop_id ?? c.req.valid('query').shop_id, p);
      await conversations.takeOver(user.id, p.kind === 'user' ? p.userId : null);
      return c.json(ok((await botUsers.get(user.id))!), 200);
    })
    .openapi(handBack, async (c) => {
      const { shop_id, bot_user_id } = c.req.valid('json');
      const user = await person(
        bot_user_id,
        shop_id ?? c.req.valid('query').shop_id,
        c.var.principal,
      );
      await conversations.handBack(user.id);
      return c.json(ok((await botUsers.get(user.id))!), 200);
    });
}
