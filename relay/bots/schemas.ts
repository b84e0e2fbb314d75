import { z } from '@hono/zod-openapi';
import { ShopId } from '../auth/principal.js';

export const BotType = z.enum(['telegram', 'whatsapp', 'viber', 'vk', 'web', 'sandbox']);
export type BotType = z.infer<typeof BotType>;

export const BotStatusValue = z.enum(['active', 'stopped', 'error']);
export type BotStatusValue = z.infer<typeof BotStatusValue>;

/** The messenger's credential. Written only; a bot answers with `has_token` instead. */
const Token = z.string().trim().min(1).max(512).openapi({
  description:
    'The messenger credential (for Telegram, the token from @BotFather). Never returned.',
  example: '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw',
});

/**
 * A Telegram token as @BotFather issues it: `<bot id>:<secret>`. Checked before it goes
 * into a Bot API URL (`/bot<token>/getMe`), so a value can never change the path.
 * https://core.telegram.org/bots/api#authorizing-your-bot
 */
export const TELEGRAM_TOKEN = /^[0-9]{1,20}:[A-Za-z0-9_-]{20,100}$/;

export const Bot = z
  .object({
    id: z.number().int(),
    shop_id: z.number().int(),
    bot_type: BotType,
    name: z.string(),
    has_token: z.boolean(),
    status: BotStatusValue,
    status_detail: z.string(),
    tg_bot_nickname: z.string().nullable(),
    /**
     * What the messenger needs besides the token, readable by the shop's members (WhatsApp:
     * `{phone_number, phone_number_id, waba_id?, messages_per_second?}`); `{}` for the others.
     */
    settings: z.record(z.string(), z.unknown()),
    welcome_flow_id: z.number().int().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Bot');
export type Bot = z.infer<typeof Bot>;

export const BotStatus = z
  .object({
    id: z.number().int(),
    bot_type: BotType,
    status: BotStatusValue,
    status_detail: z.string(),
    tg_bot_nickname: z.string().nullable(),
    /** Where the messenger posts this bot's updates, when the owner pastes it (WhatsApp). */
    webhook_url: z.string().nullable(),
    updated_at: z.string(),
  })
  .openapi('BotStatus');
export type BotStatus = z.infer<typeof BotStatus>;

/**
 * A bot's settings and credentials as the API takes them: objects whose fields depend on
 * `bot_type`, checked by that messenger (relay/channels: `setup`), which names the field in
 * error answers (`settings.phone_number_id`). The per-type shapes are documented as their
 * own components (WhatsAppSettings, WhatsAppCredentials).
 */
const PerType = (description: string, whatsapp: string) =>
  z.record(z.string(), z.unknown()).openapi({
    description,
    // For generated clients: WhatsApp's shape, or any object (other messengers take none).
    anyOf: [
      { $ref: `#/components/schemas/${whatsapp}` },
      { type: 'object', additionalProperties: {} },
    ],
  });
export const SettingsInput = PerType(
  'Per messenger, readable later: WhatsApp `WhatsAppSettings`. Other messengers take none.',
  'WhatsAppSettings',
);
export const CredentialsInput = PerType(
  'Per messenger, write-only (never returned; stored encrypted like the token): WhatsApp `WhatsAppCredentials`.',
  'WhatsAppCredentials',
);

export const BotInput = z
  .object({
    shop_id: ShopId.optional(),
    bot_type: BotType,
    name: z.string().trim().min(1).max(100),
    token: Token.optional(),
    settings: SettingsInput.optional(),
    credentials: CredentialsInput.optional(),
  })
  .openapi('BotInput');
export type BotInput = z.infer<typeof BotInput>;

export const BotPatch = z
  .object({
    shop_id: ShopId.optional(),
    bot_type: BotType.optional().openapi({
      description: 'A bot’s type cannot change: when sent, it must be the bot’s own.',
    }),
    name: z.string().trim().min(1).max(100).optional(),
    /** `null` removes the credential (not allowed for Telegram bots, which need one). */
    token: Token.nullable().optional(),
    welcome_flow_id: z.number().int().positive().nullable().optional().openapi({
      description: 'A flow of this bot, run on /start; null for none.',
    }),
    /** Fields given replace the stored ones; the messenger checks the result again. */
    settings: SettingsInput.optional(),
    /** Fields given replace the stored ones (owners only); the others are kept. */
    credentials: CredentialsInput.optional(),
  })
  .openapi('BotPatch');

/**
 * A create or update answer: the bot, where its messenger posts updates when the owner must
 * paste that somewhere (WhatsApp: Meta's app dashboard), and a verify token the relay made
 * up, shown this once.
 */
export const BotConnected = Bot.extend({
  webhook_url: z.string().nullable().openapi({
    description:
      'WhatsApp: the callback URL to paste into the Meta app dashboard (Webhooks). null for messengers the relay connects itself.',
  }),
  verify_token: z.string().optional().openapi({
    description:
      'WhatsApp: the verify token the relay generated (none was given), shown once; paste it next to the callback URL.',
  }),
}).openapi('BotConnected');
export type BotConnected = z.infer<typeof BotConnected>;
export type BotPatch = z.infer<typeof BotPatch>;
