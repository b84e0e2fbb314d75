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
/** A press in the person's own chat (`user_id`), or in a group (`chat_id`: a manager alert's button). */
const PressBody = z
  .object({
    bot_id: BotId,
    user_id: UserId.optional(),
    chat_id: z
      .string()
      .regex(/^-[0-9]{1,20}$/, 'Use a group’s chat_id.')
      .optional(),
    name: z.string().trim().max(200).optional(),
    message_id: z.number().int().positive(),
    data: z.string().min(1).max(64),
  })
  .refine((b) => (b.user_id === undefined) !== (b.chat_id === undefined), {
    message: 'Give a user_id (your chat) or a chat_id (a group).',
    path: ['user_id'],
  });
const GroupBody = z.object({
  bot_id: BotId,
  title: z.string().trim().min(1).max(128),
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
 * - POST press {bot_id, user_id | chat_id, message_id, data, name?}   the person taps an
 *   inline button in their chat, or a manager taps an alert's button in a group
 * - POST groups {bot_id, title}                    a manager adds the bot to a new group (as
 *   Telegram's `my_chat_member` tells a bot): the console lists it for alert channels
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
      const chats = await stores.messages.conversations(bot.id);
      // Groups the bot was added to but that have no message yet are chats too.
      const { rows: groups } = await stores.botChats.list(bot.id, { limit: 100, offset: 0 });
      for (const g of groups)
        if (!chats.some((x) => x.chat_id === g.chat_id))
          chats.push({
            chat_id: g.chat_id,
            last_id: 0,
            bot_user_id: null,
            name: g.title,
            kind: 'group',
            last: null,
          });
      return c.json(ok(chats));
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
    .post('/groups', write, async (c) => {
      const input = parse(GroupBody, await body(c));
      const bot = await sandboxBot(input.bot_id);
      // A supergroup id, as Telegram gives them: -100 and ten digits.
      const chatId = `-100${randomInt(1_000_000_000, 9_999_999_999)}`;
      const chat = await inbound.chatMember(
        bot,
        { chat_id: chatId, type: 'supergroup', title: input.title },
        'administrator',
      );
      return c.json(ok({ chat_id: chat.chat_id, title: chat.title }), 201);
    })
    .post('/press', write, async (c) => {
      const input = parse(PressBody, await body(c));
      const bot = await sandboxBot(input.bot_id);
      const chatId = input.chat_id ?? input.user_id!;
      const [message] = await stores.messages.chat(bot.id, chatId, input.message_id - 1);
      const button =
        message?.id === input.message_id
          ? message.buttons.flat().find((b) => b.callback_data === input.data)
          : undefined;
      if (!button) throw notFound('Button');
      if (input.chat_id) {
        const { notice } = await inbound.alertAction(
          bot,
          input.chat_id,
          input.name ?? '',
          input.data,
        );
        return c.json(ok({ notice }), 201);
      }
      const r = await inbound.press(bot, person(input.user_id!), {
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
