import { z } from '@hono/zod-openapi';
import { ShopId } from '../auth/principal.js';
import { EventList } from '../events/types.js';
import { WebhookUrl } from '../webhooks/schemas.js';

/** `email` is part of the contract already; the relay cannot send it yet (see the routes). */
export const ChannelType = z.enum(['telegram', 'webhook', 'email']);
export type ChannelType = z.infer<typeof ChannelType>;

/**
 * A Telegram chat: a numeric id (negative for groups, -100… for supergroups and channels)
 * or a public `@channelusername`. Numbers are accepted and kept as text.
 * https://core.telegram.org/bots/api#sendmessage
 */
export const ChatId = z
  .preprocess(
    (v) => (typeof v === 'number' && Number.isInteger(v) ? String(v) : v),
    z
      .string()
      .trim()
      .regex(
        /^(-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{3,31})$/,
        'Enter a Telegram chat id (e.g. -1001234567890) or @channelusername.',
      ),
  )
  .openapi({ type: 'string', example: '-1001234567890' });

export const NotificationChannel = z
  .object({
    id: z.number().int(),
    shop_id: z.number().int(),
    type: ChannelType,
    bot_id: z.number().int().nullable(),
    chat_id: z.string().nullable(),
    url: z.string().nullable(),
    events: z.array(z.string()),
    enabled: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('NotificationChannel');
export type NotificationChannel = z.infer<typeof NotificationChannel>;

const fields = {
  shop_id: ShopId.optional(),
  type: ChannelType,
  /** telegram: the shop's bot that posts the alerts, and the chat it posts to. */
  bot_id: z.number().int().positive().nullable().optional(),
  chat_id: ChatId.nullable().optional(),
  /** webhook: where the alert is POSTed as `{event, text, data}`. */
  url: WebhookUrl.nullable().optional(),
  events: EventList,
  enabled: z.boolean().default(true),
};

const required = 'This field is required for this channel type.';
const foreign = 'This field does not apply to this channel type.';

/** Each type has its own fields; the others must be absent. */
export const NotificationChannelInput = z
  .object(fields)
  .superRefine((ch, ctx) => {
    const need = (key: 'bot_id' | 'chat_id' | 'url') => {
      if (ch[key] == null) ctx.addIssue({ code: 'custom', path: [key], message: required });
    };
    const forbid = (key: 'bot_id' | 'chat_id' | 'url') => {
      if (ch[key] != null) ctx.addIssue({ code: 'custom', path: [key], message: foreign });
    };
    if (ch.type === 'telegram') {
      need('bot_id');
      need('chat_id');
      forbid('url');
    } else if (ch.type === 'webhook') {
      need('url');
      forbid('bot_id');
      forbid('chat_id');
    }
  })
  .openapi('NotificationChannelInput');
export type NotificationChannelInput = z.infer<typeof NotificationChannelInput>;

/** Fields given replace the stored ones; changing `type` drops the old type's fields. */
export const NotificationChannelPatch = z
  .object({
    ...fields,
    type: fields.type.optional(),
    events: fields.events.optional(),
    enabled: z.boolean().optional(),
  })
  .openapi('NotificationChannelPatch');
export type NotificationChannelPatch = z.infer<typeof NotificationChannelPatch>;
