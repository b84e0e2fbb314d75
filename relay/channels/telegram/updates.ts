import { z } from '@hono/zod-openapi';
import type { MessengerPerson } from '../../bot-users/subscribers.js';
import type { BotRef } from '../../bots/lifecycle.js';
import { ChatMemberStatus } from '../../bots/chats.js';
import type { Inbound } from '../inbound.js';
import type { TelegramApi } from './api.js';

/** The parts of an Update the relay reads. https://core.telegram.org/bots/api#update */
const User = z.object({
  id: z.number().int(),
  first_name: z.string().default(''),
  last_name: z.string().optional(),
  username: z.string().optional(),
  language_code: z.string().optional(),
});
const Chat = z.object({
  id: z.number().int(),
  type: z.string(),
  title: z.string().optional(),
});
const TgMessage = z.object({
  message_id: z.number().int(),
  from: User.optional(),
  chat: Chat,
  text: z.string().optional(),
  caption: z.string().optional(),
  /** A group that became a supergroup: its new id. https://core.telegram.org/bots/api#message */
  migrate_to_chat_id: z.number().int().optional(),
});
export const TelegramUpdate = z.object({
  update_id: z.number().int(),
  message: TgMessage.optional(),
  callback_query: z
    .object({
      id: z.string(),
      from: User,
      message: TgMessage.optional(),
      data: z.string().optional(),
    })
    .optional(),
  my_chat_member: z
    .object({
      chat: Chat,
      from: User,
      new_chat_member: z.object({ status: ChatMemberStatus.catch('left') }),
    })
    .optional(),
});
export type TelegramUpdate = z.infer<typeof TelegramUpdate>;

/** The update kinds the relay asks for (setWebhook / getUpdates `allowed_updates`). */
export const ALLOWED_UPDATES = ['message', 'callback_query', 'my_chat_member'];

/** `/start`, `/start <payload>`, `/start@bot_name <payload>` (deep links). https://core.telegram.org/bots/features#deep-linking */
const START = /^\/start(?:@[A-Za-z0-9_]+)?(?:\s+(\S{1,64}))?\s*$/;

const fullName = (from: z.infer<typeof User>) =>
  [from.first_name, from.last_name].filter(Boolean).join(' ').slice(0, 200);

const person = (from: z.infer<typeof User>, chatId: number): MessengerPerson => ({
  messenger_user_id: String(from.id),
  chat_id: String(chatId),
  name: fullName(from),
  lang_code: (from.language_code ?? '').slice(0, 35),
  messenger_user_url: from.username ? `https://t.me/${from.username}` : '',
});

/**
 * Feeds one update to the inbound handlers: private-chat messages (/start or anything
 * else), inline button presses (answered, so the button stops spinning) — in a group, the
 * buttons of manager alerts —, the bot being blocked or unblocked (`my_chat_member` kicked /
 * member in a private chat), and the bot added to or removed from a group or channel (the
 * chats a shop picks its alert channels from). Other group messages are ignored: groups only
 * receive staff alerts. An update the relay cannot read is skipped, never an error: Telegram
 * would otherwise resend it forever.
 */
export async function handleTelegramUpdate(
  raw: unknown,
  ctx: { bot: BotRef; token: string; inbound: Inbound; api: TelegramApi },
): Promise<void> {
  const parsed = TelegramUpdate.safeParse(raw);
  if (!parsed.success) return;
  const { message, callback_query: cb, my_chat_member: member } = parsed.data;
  const { bot, inbound } = ctx;

  if (message?.from && message.chat.type === 'private') {
    const who = person(message.from, message.chat.id);
    const remoteId = `${message.chat.id}:${message.message_id}`;
    const start = message.text === undefined ? null : START.exec(message.text);
    if (start) {
      await inbound.start(bot, who, start[1] ?? null, { remoteId });
    } else {
      await inbound.message(bot, who, {
        remoteId,
        text: message.text ?? message.caption ?? '',
        contentType: message.text === undefined ? 'other' : 'text',
      });
    }
  } else if (message?.migrate_to_chat_id !== undefined) {
    await inbound.chatMoved(bot, String(message.chat.id), String(message.migrate_to_chat_id));
  } else if (cb && cb.message && cb.message.chat.type !== 'private') {
    const result = await inbound.alertAction(
      bot,
      String(cb.message.chat.id),
      fullName(cb.from),
      cb.data ?? '',
    );
    await answer(ctx, cb.id, result.notice);
  } else if (cb) {
    const chatId =
      cb.message && cb.message.chat.type === 'private' ? cb.message.chat.id : cb.from.id;
    const result = await inbound.press(bot, person(cb.from, chatId), {
      remoteId: `cb:${cb.id}`,
      text: '',
      data: cb.data ?? '',
    });
    await answer(ctx, cb.id, result?.notice);
  } else if (member && member.chat.type !== 'private') {
    const chat = {
      chat_id: String(member.chat.id),
      type: member.chat.type,
      title: member.chat.title ?? '',
    };
    await inbound.chatMember(bot, chat, member.new_chat_member.status);
  } else if (member && member.chat.type === 'private') {
    const status = member.new_chat_member.status;
    if (status === 'kicked')
      await inbound.membership(bot, person(member.from, member.chat.id), false);
    else if (status === 'member')
      await inbound.membership(bot, person(member.from, member.chat.id), true);
  }
}

/**
 * Answers a button press: without an answer the client shows a progress bar on the button
 * for a while; a notice (an outdated menu, a lead marked handled) shows as a toast.
 * https://core.telegram.org/bots/api#answercallbackquery
 */
async function answer(ctx: { token: string; api: TelegramApi }, id: string, notice?: string) {
  await ctx.api
    .call(
      ctx.token,
      'answerCallbackQuery',
      { callback_query_id: id, ...(notice ? { text: notice } : {}) },
      AbortSignal.timeout(5_000),
    )
    .catch(() => {});
}
