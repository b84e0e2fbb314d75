import { z } from '@hono/zod-openapi';

/** A chat URI as Viber gives it (letters, digits, `.`, `_`, `-`). */
export const VIBER_URI = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * A Viber bot's readable settings: its chat URI, the address of its deep links
 * (`viber://pa?chatURI=<uri>`), read from `get_account_info` when absent and checked against
 * it when given. The relay adds the account's name (`account_name`, the sender of its
 * messages). The auth token is the bot's `token`; Viber signs its callbacks with it, so a
 * Viber bot has no other credentials.
 * https://developers.viber.com/docs/api/rest-bot-api/#get-account-info
 */
export const ViberSettings = z
  .object({
    uri: z
      .string()
      .trim()
      .regex(VIBER_URI, 'Enter the bot’s URI as Viber shows it (letters, digits, . _ -).')
      .optional()
      .openapi({
        description:
          'The chat URI (viber://pa?chatURI=…); read from Viber when absent, checked when given.',
        example: 'sofashop',
      }),
  })
  .strict()
  .openapi('ViberSettings');
export type ViberSettings = z.infer<typeof ViberSettings>;

/** The stored settings, as the adapter and the links read them. */
export const storedViberSettings = (settings: Record<string, unknown>) =>
  settings as Partial<ViberSettings> & { account_name?: string };
