import { z } from '@hono/zod-openapi';
import { ShopId } from '../auth/principal.js';
import { WhatsAppTemplate } from '../channels/whatsapp/settings.js';
import { EventList } from '../events/types.js';
import { toE164 } from '../forms/phone.js';
import { WebhookUrl } from '../webhooks/schemas.js';

export const ChannelType = z.enum(['telegram', 'whatsapp', 'webhook', 'email']);
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

/** A manager's WhatsApp number in international format, kept as E.164 (`+15550101234`). */
export const Phone = z
  .string()
  .trim()
  .max(32)
  .transform((v, ctx) => {
    const e164 = toE164(v);
    if (!e164) {
      ctx.addIssue({
        code: 'custom',
        message: 'Enter the number in international format: +1 555 010 1234.',
      });
      return z.NEVER;
    }
    return e164;
  })
  .openapi({ type: 'string', example: '+15550101234' });

/** Email alert recipients. */
export const EmailList = z
  .array(z.email({ error: 'Enter a valid email address.' }).max(254))
  .min(1, 'Enter at least one address.')
  .max(20, 'At most 20 addresses.')
  .openapi({ example: ['sales@shop.example'] });

export const NotificationChannel = z
  .object({
    id: z.number().int(),
    shop_id: z.number().int(),
    type: ChannelType,
    bot_id: z.number().int().nullable(),
    chat_id: z.string().nullable(),
    /** whatsapp: the manager's number (E.164). */
    phone: z.string().nullable(),
    /** whatsapp: the template for alerts outside the 24-hour window. */
    whatsapp_template: z.union([WhatsAppTemplate, z.null()]),
    /** email: the recipients. */
    to: z.array(z.string()).nullable(),
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
  /** telegram, whatsapp: the shop's bot that sends the alerts. */
  bot_id: z.number().int().positive().nullable().optional(),
  /** telegram: the chat it posts to. */
  chat_id: ChatId.nullable().optional(),
  /** whatsapp: the manager's number. */
  phone: Phone.nullable().optional(),
  /**
   * whatsapp: the approved template that carries an alert when the manager has not written to
   * the bot in 24 hours; parameters may use `{alert.title}` and `{alert.text}`.
   */
  whatsapp_template: z.union([WhatsAppTemplate, z.null()]).optional(),
  /** email: where the alert goes (TOUCHPOINT_SMTP_URL and TOUCHPOINT_MAIL_FROM must be set). */
  to: EmailList.nullable().optional(),
  /** webhook: where the alert is POSTed as `{event, text, data}`. */
  url: WebhookUrl.nullable().optional(),
  events: EventList,
  enabled: z.boolean().default(true),
};

type Field = 'bot_id' | 'chat_id' | 'phone' | 'whatsapp_template' | 'to' | 'url';
/** The fields each type needs; the others (`whatsapp_template`: optional) must be absent. */
const NEEDS: Record<ChannelType, Field[]> = {
  telegram: ['bot_id', 'chat_id'],
  whatsapp: ['bot_id', 'phone'],
  webhook: ['url'],
  email: ['to'],
};
const OPTIONAL: Partial<Record<ChannelType, Field[]>> = { whatsapp: ['whatsapp_template'] };
const ALL: Field[] = ['bot_id', 'chat_id', 'phone', 'whatsapp_template', 'to', 'url'];

const required = 'This field is required for this channel type.';
const foreign = 'This field does not apply to this channel type.';

/** Each type has its own fields; the others must be absent. */
export const NotificationChannelInput = z
  .object(fields)
  .superRefine((ch, ctx) => {
    const needs = NEEDS[ch.type];
    const allowed = [...needs, ...(OPTIONAL[ch.type] ?? [])];
    for (const key of ALL) {
      if (needs.includes(key) && ch[key] == null)
        ctx.addIssue({ code: 'custom', path: [key], message: required });
      if (!allowed.includes(key) && ch[key] != null)
        ctx.addIssue({ code: 'custom', path: [key], message: foreign });
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
