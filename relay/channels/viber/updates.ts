import { z } from '@hono/zod-openapi';
import type { MessengerPerson } from '../../bot-users/subscribers.js';
import type { BotRef } from '../../bots/lifecycle.js';
import { itemOfCallback, stepOfCallback } from '../../messages/schemas.js';
import { OPTIN_TOKEN } from '../../public/optin-store.js';
import type { LateReceipt } from '../hooks.js';
import type { Inbound } from '../inbound.js';
import { openReply } from '../optin-replies.js';
import { startKeyboard, type ViberMessage } from './format.js';

/**
 * The parts of a Viber callback the relay reads (`message_token` as text: see
 * parseViberJson). https://developers.viber.com/docs/api/rest-bot-api/#callbacks
 */
const User = z.object({
  id: z.string().min(1).max(100),
  name: z.string().optional(),
  language: z.string().optional(),
});
export const ViberCallback = z.object({
  event: z.string(),
  message_token: z
    .string()
    .regex(/^-?\d{1,20}$/)
    .optional(),
  /** conversation_started, subscribed */
  user: User.optional(),
  /** conversation_started */
  context: z.string().optional(),
  subscribed: z.boolean().optional(),
  /** message */
  sender: User.optional(),
  message: z
    .object({ type: z.string(), text: z.string().optional(), media: z.string().optional() })
    .optional(),
  /** unsubscribed, delivered, seen, failed */
  user_id: z.string().min(1).max(100).optional(),
  desc: z.string().optional(),
});
export type ViberCallback = z.infer<typeof ViberCallback>;

/**
 * The events the relay asks for in `set_webhook`. Viber always sends `message`, `subscribed`,
 * `unsubscribed` and `conversation_started`; receipts only when asked.
 */
export const EVENT_TYPES = [
  'delivered',
  'seen',
  'failed',
  'subscribed',
  'unsubscribed',
  'conversation_started',
];

const person = (u: z.infer<typeof User>): MessengerPerson => ({
  messenger_user_id: u.id,
  chat_id: u.id,
  name: (u.name ?? '').slice(0, 200),
  lang_code: (u.language ?? '').slice(0, 35),
  // Viber has no public profile address.
  messenger_user_url: '',
});

/** What the hook answers: Viber's one welcome message for a conversation_started, or nothing. */
export type ViberAnswer = { welcome: ViberMessage | null; late: LateReceipt[] };

/**
 * Feeds one verified Viber callback to the inbound handlers:
 * - `conversation_started` (the person opened the chat, from a deep link with `context`): a
 *   subscriber with a token is started as `/start <context>`; someone not subscribed yet is
 *   only recorded and linked (Viber lets the bot write to them after their first message), and answered
 *   with Viber's one welcome message — what their link did and a Start button;
 * - `message`: a press when the text is a button's callback data, otherwise the person's
 *   words (their first message subscribes them);
 * - `subscribed` / `unsubscribed`: the person subscribed from the bot's info screen, or left;
 * - `delivered`, `seen` (read), `failed`: the receipts of what the bot sent.
 * A callback the relay cannot read is skipped: Viber would otherwise send it again.
 */
export async function handleViberCallback(
  raw: unknown,
  ctx: { bot: BotRef; inbound: Inbound; senderName: string },
): Promise<ViberAnswer> {
  const answer: ViberAnswer = { welcome: null, late: [] };
  const parsed = ViberCallback.safeParse(raw);
  if (!parsed.success) return answer;
  const e = parsed.data;
  const { bot, inbound } = ctx;
  const remoteId = e.message_token ?? null;
  switch (e.event) {
    case 'conversation_started': {
      if (!e.user) break;
      const who = person(e.user);
      const token = e.context && OPTIN_TOKEN.test(e.context) ? e.context : null;
      // A subscriber opening the chat again: a new link is a /start with its token; without
      // one nothing happens (the welcome flow ran when they subscribed).
      if (e.subscribed) {
        if (token) await inbound.start(bot, who, token, { remoteId });
        break;
      }
      const opened = await inbound.open(bot, who, token, { remoteId });
      if (!opened) break; // delivered before: answered then
      const { text, button } = openReply(opened.outcome, who.lang_code);
      answer.welcome = {
        sender: { name: ctx.senderName },
        type: 'text',
        text,
        keyboard: startKeyboard(button),
      };
      break;
    }
    case 'message': {
      if (!e.sender || !e.message) break;
      const who = person(e.sender);
      const text = e.message.text ?? '';
      if (e.message.type === 'text' && (itemOfCallback(text) || stepOfCallback(text) !== undefined))
        await inbound.press(bot, who, { remoteId, text: '', data: text });
      else
        await inbound.startWithToken(bot, who, {
          remoteId,
          text,
          token: null,
          contentType: e.message.type === 'text' ? 'text' : 'other',
        });
      break;
    }
    case 'subscribed':
      if (e.user) await inbound.subscribed(bot, person(e.user), null, { remoteId });
      break;
    case 'unsubscribed':
      if (e.user_id) await inbound.membership(bot, person({ id: e.user_id }), false);
      break;
    case 'delivered':
    case 'seen':
    case 'failed': {
      if (!remoteId) break;
      const apply = () =>
        inbound.receipt(
          bot,
          remoteId,
          e.event === 'seen' ? 'read' : (e.event as 'delivered' | 'failed'),
          e.event === 'failed'
            ? { error: `Viber: ${(e.desc ?? 'not delivered').slice(0, 300)}`, recipientGone: false }
            : undefined,
        );
      if ((await apply()) === 'unknown') answer.late.push(apply);
      break;
    }
    default:
      break; // `webhook` (set_webhook's check) and events the relay does not use
  }
  return answer;
}
