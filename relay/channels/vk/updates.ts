import { z } from '@hono/zod-openapi';
import type { MessengerPerson } from '../../bot-users/subscribers.js';
import type { BotRef } from '../../bots/lifecycle.js';
import { OPTIN_TOKEN } from '../../public/optin-store.js';
import type { Inbound } from '../inbound.js';
import { dataOfPayload } from './format.js';

/**
 * The Callback API events the relay reads (API version 5.199), after the hook has checked
 * the secret. https://dev.vk.com/en/api/community-events/json-schema
 */
const Id = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const MessageNew = z.object({
  message: z.object({
    id: z.number().int(),
    from_id: z.number().int(),
    peer_id: z.number().int(),
    text: z.string().default(''),
    ref: z.string().optional(),
    attachments: z.array(z.unknown()).default([]),
  }),
  client_info: z.object({ lang_id: z.number().int().optional() }).partial().optional(),
});
const MessageEvent = z.object({
  user_id: Id,
  peer_id: Id,
  event_id: z.string().min(1).max(100),
  payload: z.unknown().optional(),
});
const Membership = z.object({ user_id: Id, key: z.string().optional() });

/** VK's `lang_id` of the person's app, as a language code (0 is Russian). */
const LANGUAGES: Record<number, string> = { 0: 'ru', 1: 'uk', 2: 'be', 3: 'en', 4: 'es', 6: 'de' };

const person = (userId: number, langId?: number): MessengerPerson => ({
  messenger_user_id: String(userId),
  chat_id: String(userId),
  name: '',
  lang_code: langId === undefined ? '' : (LANGUAGES[langId] ?? ''),
  messenger_user_url: `https://vk.com/id${userId}`,
});

/**
 * Feeds one verified Callback API event to the inbound handlers:
 * - `message_new` in a person's chat with the community: their words, where `ref` (from a
 *   `vk.me/…?ref=<token>` link) is an opt-in token, and their first message subscribes them;
 *   messages in group chats are skipped (groups only receive staff alerts);
 * - `message_event`: a callback button's press (`{"d": <callback data>}`); answered by the
 *   caller (`answer`) so that the button stops spinning, with the press's notice if any;
 * - `message_allow` / `message_deny`: the person allowed or forbade the community's messages
 *   (allowing, someone new subscribes — with the widget's `key` as an opt-in token if it is one).
 * A message or press VK sends again has the same `event_id`: handled once.
 * An event the relay cannot read is skipped (VK would otherwise send it again).
 */
export async function handleVkEvent(
  type: string,
  object: unknown,
  eventId: string | null,
  ctx: {
    bot: BotRef;
    inbound: Inbound;
    answer: (e: z.infer<typeof MessageEvent>, notice?: string) => Promise<void>;
  },
): Promise<void> {
  const { bot, inbound } = ctx;
  if (type === 'message_new') {
    const parsed = MessageNew.safeParse(object);
    if (!parsed.success) return;
    const { message: m, client_info } = parsed.data;
    if (m.from_id <= 0 || m.peer_id !== m.from_id) return;
    await inbound.startWithToken(bot, person(m.from_id, client_info?.lang_id), {
      remoteId: eventId ? `ev:${eventId}` : `m:${m.id}`,
      text: m.text,
      token: m.ref && OPTIN_TOKEN.test(m.ref) ? m.ref : null,
      contentType: m.text || !m.attachments.length ? 'text' : 'other',
    });
  } else if (type === 'message_event') {
    const parsed = MessageEvent.safeParse(object);
    if (!parsed.success || parsed.data.peer_id !== parsed.data.user_id) return;
    const e = parsed.data;
    const result = await inbound.press(bot, person(e.user_id), {
      remoteId: eventId ? `ev:${eventId}` : `press:${e.event_id}`,
      text: '',
      data: dataOfPayload(e.payload) ?? '',
    });
    await ctx.answer(e, result?.notice);
  } else if (type === 'message_allow') {
    const parsed = Membership.safeParse(object);
    if (!parsed.success) return;
    const { user_id, key } = parsed.data;
    await inbound.subscribed(bot, person(user_id), key && OPTIN_TOKEN.test(key) ? key : null, {
      remoteId: eventId ? `ev:${eventId}` : null,
    });
  } else if (type === 'message_deny') {
    const parsed = Membership.safeParse(object);
    if (parsed.success) await inbound.membership(bot, person(parsed.data.user_id), false);
  }
}
