import { z } from '@hono/zod-openapi';
import { ShopId } from '../auth/principal.js';
import { BotType } from '../bots/schemas.js';
import { VARIABLE_NAME_PATTERN, VARIABLE_NAME_RULE } from '../custom-fields/schemas.js';

/** A user variable's value; `null` in a PATCH removes the variable. */
export const VarValue = z.union([z.string().max(4000), z.number(), z.boolean()]);
export type VarValue = z.infer<typeof VarValue>;

export const BotUser = z
  .object({
    id: z.number().int(),
    shop_id: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
    bot: z.object({ id: z.number().int(), name: z.string(), bot_type: BotType }),
    messenger_user_id: z.string(),
    state: z.string(),
    lang_code: z.string(),
    name: z.string(),
    avatar_url: z.string(),
    messenger_user_url: z.string(),
    store: z.object({
      name: z.string(),
      phone: z.string(),
      avatar_url: z.string(),
      /** The opt-in token the bot user arrived with. */
      start_parameter: z.string(),
      subscribed_to_bot: z.boolean(),
      tags: z.array(z.object({ id: z.number().int(), name: z.string() })),
      user_vars: z.record(z.string(), VarValue),
    }),
    /** Where the bot user came from: the web visitor, and the leads and orders linked to it. */
    links: z.object({
      visitor_id: z.string().nullable(),
      lead_ids: z.array(z.number().int()),
      order_ids: z.array(z.number().int()),
    }),
    /**
     * A manager took the conversation over (POST /api/bot/bot_user/take_over/): the bot's
     * scenario is paused for this person until it is handed back. `by_user_id`: who (null for
     * a shop key).
     */
    takeover: z.object({ at: z.string(), by_user_id: z.number().int().nullable() }).nullable(),
  })
  .openapi('BotUser');
export type BotUser = z.infer<typeof BotUser>;

const TagRefs = z.array(z.object({ id: z.number().int().positive() })).max(100);
const Url = z.union([z.url({ protocol: /^https?$/ }).max(2000), z.literal('')]);

/** The bot user's store as written: user_vars merge key by key, tags replace the set. */
const StoreInput = z.object({
  phone: z.string().trim().max(50).optional(),
  subscribed_to_bot: z
    .boolean()
    .optional()
    .openapi({
      description:
        'false: a manager switches the person off — they stay off when they write, until a ' +
        'manager sends true or they start the bot again (a start command, a link with a token).',
    }),
  tags: TagRefs.optional(),
  user_vars: z
    .record(z.string(), VarValue.nullable())
    .superRefine((vars, ctx) => {
      const keys = Object.keys(vars);
      if (keys.length > 100)
        ctx.addIssue({ code: 'custom', message: 'Set at most 100 variables at once.' });
      for (const key of keys)
        if (!VARIABLE_NAME_PATTERN.test(key))
          ctx.addIssue({ code: 'custom', path: [key], message: VARIABLE_NAME_RULE });
    })
    .optional(),
});

export const BotUserPatch = z
  .object({
    shop_id: ShopId.optional(),
    name: z.string().trim().max(200).optional(),
    state: z.string().max(100).optional(),
    lang_code: z.string().trim().max(35).optional(),
    avatar_url: Url.optional(),
    store: StoreInput.optional(),
  })
  .openapi('BotUserPatch');
export type BotUserPatch = z.infer<typeof BotUserPatch>;

export const BotUserCreate = z
  .object({
    shop_id: ShopId.optional(),
    bot_id: z.number().int().positive(),
    /** Telegram sends numeric ids; they are kept as strings. */
    messenger_user_id: z
      .union([z.string().trim().min(1).max(128), z.number().int()])
      .transform(String),
    name: z.string().trim().max(200).default(''),
    lang_code: z.string().trim().max(35).default(''),
    avatar_url: Url.default(''),
    store: StoreInput.default({}),
  })
  .openapi('BotUserCreate');
export type BotUserCreate = z.infer<typeof BotUserCreate>;

/** Filters shared by the list and the export. */
export const BotUserFilter = z.object({
  search: z
    .string()
    .trim()
    .max(200)
    .optional()
    .openapi({
      param: { name: 'search', in: 'query' },
      description: 'Case-insensitive substring of name, phone, email or messenger user id.',
    }),
  bot_id: z.coerce
    .number()
    .int()
    .positive()
    .optional()
    .openapi({ param: { name: 'bot_id', in: 'query' } }),
  tag: z.coerce
    .number()
    .int()
    .positive()
    .optional()
    .openapi({ param: { name: 'tag', in: 'query' }, description: 'A tag id.' }),
});
export type BotUserFilter = z.infer<typeof BotUserFilter>;

export const ExportFormat = z.enum(['csv', 'ndjson']);
export type ExportFormat = z.infer<typeof ExportFormat>;
