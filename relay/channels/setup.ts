import type { z } from '@hono/zod-openapi';
import type { BotType } from '../bots/schemas.js';
import { ApiError, fieldErrorsFromZod, type FieldErrors } from '../http/errors.js';
import type { BotSetup, BotSetupInput, Messenger } from './types.js';

/**
 * The bot's `settings` and `credentials` read with a messenger's schemas; the errors of both
 * in one 400, each naming its inner field (`settings.phone_number_id`).
 */
export function parseSetup<S extends z.ZodType, C extends z.ZodType>(
  schemas: { settings: S; credentials: C },
  input: { settings: unknown; credentials: unknown },
): { settings: z.infer<S>; credentials: z.infer<C> } {
  const settings = schemas.settings.safeParse(input.settings);
  const credentials = schemas.credentials.safeParse(input.credentials);
  if (settings.success && credentials.success)
    return { settings: settings.data, credentials: credentials.data };
  const fields: FieldErrors = {};
  for (const [field, result] of Object.entries({ settings, credentials })) {
    if (result.success) continue;
    const { common, ...inner } = fieldErrorsFromZod(result.error);
    for (const [k, v] of Object.entries(inner)) fields[`${field}.${k}`] = v;
    if (common) fields[field] = common;
  }
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
