import { z } from '@hono/zod-openapi';
import { Hono } from 'hono';
import { randomInt } from 'node:crypto';
import type { MessengerPerson } from '../../bot-users/subscribers.js';
import type { BotRef } from '../../bots/lifecycle.js';
import type { Deps } from '../../deps.js';
import { ok } from '../../http/api.js';
import { badRequest, invalidField, notFound, validationError } from '../../http/errors.js';
import { bodyLimit, jsonOnly } from '../../http/guards.js';
import { ipRateLimit } from '../../http/ip-rate-limit.js';
import type { Inbound } from '../inbound.js';
import { createSandboxStore } from './store.js';

const BotId = z.coerce.number().int().positive();
/** A sandbox person's id: digits, like a Telegram user id; their private chat has the same id. */
const UserId = z.string().regex(/^[1-9][0-9]{0,14}$/, 'Use the user_id the inbox was given.');

const StartBody = z.object({
  bot_id: BotId,
  name: z.string().trim().min(1).max(200),
  token: z.string().trim().max(64).optional(),
  user_id: UserId.optional(),
});
const MessageBody = z.object({
  bot_id: BotId,
  user_id: UserId,
  text: z.string().trim().min(1).max(4096),
});
const PressBody = z.object({
  bot_id: BotId,
  user_id: UserId,
  message_id: z.number().int().positive(),
  data: z.string().min(1).max(64),
});
const ChatQuery = z.object({
  bot_id: BotId,
  chat_id: z
    .string()
    .regex(/^-?[0-9]{1,20}$|^@[A-Za-z0-9_]{4,32}$/)
    .optional(),
  after: z.coerce.number().int().min(0).default(0),
});

function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error);
  return result.data;
}

/**
 * The sandbox messenger's inbox API under /demo/inbox/api (demo mode only; mounted by
 * createApp only then, so it is a 404 otherwise). No management auth: the demo's visitor
 * plays both the buyer pressing Start on a deep link and the manager reading alerts. So it
 * reaches the demo shop's sandbox bots only (relay/channels/sandbox/store.ts), any other
 * bot id is "no such sandbox bot", and its writes are limited per address like the public
 * API's (`TOUCHPOINT_PUBLIC_RATE_LIMIT` a minute; 429 with Retry-After).
 * - GET  bots                          the demo shop's sandbox bots
 * - GET  conversations?bot_id=         a bot's chats, newest first
 * - GET  messages?bot_id=&chat_id=&after=   one chat's messages (both directions)
 * - POST start {bot_id, name, token?, user_id?}   a person presses Start (same handler as Telegram's /start)
 * - POST messages {bot_id, user_id, text}          the person types
 * - POST press {bot_id, user_id, message_id, data} the person taps an inline button
 */
export function sandboxInboxRoutes(
  { db, stores, config }: Pick<Deps, 'db' | 'stores' | 'config'>,
  inbound: Inbound,
) {
  const sandbox = createSandboxStore(db);
  const write = ipRateLimit(db, { limit: config.publicRateLimit, name: 'inbox-writes' });
  const sandboxBot = async (id: number): Promise<BotRef> => {
    const bot = await sandbox.get(id);
    if (!bot) throw invalidField('bot_id', 'No such sandbox bot.');
    return { id: bot.id, shop_id: bot.shop_id, bot_type: 'sandbox' };
  };
  const person = (userId: string, name = ''): MessengerPerson => ({
    messenger_user_id: userId,
    chat_id: userId,
    name,
    lang_code: '',
    messenger_user_url: '',
  });
  const body = async (c: { req: { json: () => Promise<unknown> } }) => {
    try {
      return await c.req.json();
    } catch {
      throw badRequest('Malformed JSON in request body.');
    }
  };

  return new Hono({ strict: false })
    .use('*', bodyLimit(64 * 1024), jsonOnly())
    .get('/bots', async (c) => c.json(ok(await sandbox.active())))
    .get('/conversations', async (c) => {
      const { bot_id } = parse(ChatQuery, c.req.query());
      const bot = await sandboxBot(bot_id);
      return c.json(ok(await stores.messages.conversations(bot.id)));
    })
    .get('/messages', async (c) => {
      const { bot_id, chat_id, after } = parse(ChatQuery, c.req.query());
      if (!chat_id) throw invalidField('chat_id', 'This field is required.');
      const bot = await sandboxBot(bot_id);
      return c.json(ok(await stores.messages.chat(bot.id, chat_id, after)));
    })
    .post('/start', write, async (c) => {
      const input = parse(StartBody, await body(c));
      const bot = await sandboxBot(input.bot_id);
      const userId = input.user_id ?? String(randomInt(100_000_000, 999_999_999));
      const token = input.token || null;
      const result = await inbound.start(bot, person(userId, input.name), token, {
        remoteId: null,
      });
      return c.json(
        ok({
          user_id: userId,
          chat_id: userId,
          bot_user_id: result!.botUser.id,
          created: result!.created,
          linked: result!.linked,
        }),
        201,
      );
    })
    .post('/messages', write, async (c) => {
      const input = parse(MessageBody, await body(c));
      const bot = await sandboxBot(input.bot_id);
      const r = await inbound.message(bot, person(input.user_id), {
        remoteId: null,
        text: input.text,
      });
      return c.json(ok({ message_id: r!.messageId, bot_user_id: r!.botUserId }), 201);
    })
    .post('/press', write, async (c) => {
      const input = parse(PressBody, await body(c));
      const bot = await sandboxBot(input.bot_id);
      const [message] = await stores.messages.chat(bot.id, input.user_id, input.message_id - 1);
      const button =
        message?.id === input.message_id
          ? message.buttons.flat().find((b) => b.callback_data === input.data)
          : undefined;
      if (!button) throw notFound('Button');
      const r = await inbound.press(bot, person(input.user_id), {
        remoteId: null,
        text: button.text,
        data: input.data,
      });
      return c.json(
        ok({
          message_id: r!.messageId,
          bot_user_id: r!.botUserId,
          ...(r!.notice ? { notice: r!.notice } : {}),
        }),
        201,
      );
    });
}
