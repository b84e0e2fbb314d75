import type { z } from '@hono/zod-openapi';
import type { BotType } from '../bots/schemas.js';
import { ApiError, fieldErrorsFromZod } from '../http/errors.js';
import type { BotSetup, BotSetupInput, Messenger } from './types.js';

/**
 * `value` read with a messenger's schema for one field of the bot (`settings`,
 * `credentials`); an error names the inner field (`settings.phone_number_id`).
 */
export function parseField<T extends z.ZodType>(
  field: string,
  schema: T,
  value: unknown,
): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const { common, ...inner } = fieldErrorsFromZod(result.error);
  const fields = Object.fromEntries(Object.entries(inner).map(([k, v]) => [`${field}.${k}`, v]));
  if (common) fields[field] = common;
  throw new ApiError(400, 'Check the highlighted fields.', fields);
}

/** A messenger that takes no settings or credentials refuses them, naming the field. */
export function noSettings(
  type: BotType,
  settings: Record<string, unknown>,
  credentials: Record<string, unknown>,
) {
  for (const [field, value] of Object.entries({ settings, credentials }))
    if (Object.keys(value).length)
      throw new ApiError(400, 'Check the highlighted fields.', {
        [field]: [`${type} bots take no ${field}.`],
      });
}

/**
 * A bot type the relay connects to nothing (yet): a web visitor's pseudo-bot, Viber and VK
 * until their adapters arrive. Its token, if any, is stored as given.
 */
export const plainMessenger = (type: BotType): Messenger => ({
  type,
  async setup({ settings, credentials }: BotSetupInput): Promise<BotSetup> {
    noSettings(type, settings, credentials);
    return { settings: {}, credentials: {}, nickname: null };
  },
});
