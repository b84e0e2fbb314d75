import { z } from '@hono/zod-openapi';

/** A community's short address (`vk.me/<screen_name>`). */
export const VK_SCREEN_NAME = /^[A-Za-z0-9._]{2,64}$/;

/** VK's default limit for a community token: 20 API requests a second. */
export const DEFAULT_REQUESTS_PER_SECOND = 20;

/**
 * A VK bot's readable settings: the community's id (it must be the token's community), its
 * screen name for `vk.me` links (read from VK when absent), and the requests a second its
 * token may make. The relay adds the community's name (`community_name`).
 * https://dev.vk.com/en/api/bots/getting-started
 */
export const VkSettings = z
  .object({
    group_id: z.number().int().positive().openapi({
      description: 'The community’s id (Manage → API usage shows it with the Callback API).',
      example: 218903211,
    }),
    screen_name: z
      .string()
      .trim()
      .regex(VK_SCREEN_NAME, 'Enter the community’s short address (letters, digits, . _).')
      .optional()
      .openapi({
        description: 'The short address in vk.me links; read from VK when absent.',
        example: 'sofashop',
      }),
    requests_per_second: z
      .number()
      .int()
      .min(1)
      .max(100)
      .optional()
      .openapi({
        description: `API requests a second the community's token may make (${DEFAULT_REQUESTS_PER_SECOND} when absent).`,
      }),
  })
  .strict()
  .openapi('VkSettings');
export type VkSettings = z.infer<typeof VkSettings>;

const Secret = (what: string) =>
  z
    .string()
    .trim()
    .min(1)
    .max(100)
    .regex(/^[\x21-\x7e]+$/, `Paste the ${what} as VK shows it, without spaces.`);

/**
 * A VK bot's write-only credentials from the community's Callback API settings: the string
 * the server must return to confirm its address, and the secret key VK sends with every event.
 * https://dev.vk.com/en/api/callback/getting-started
 */
export const VkCredentials = z
  .object({
    confirmation: Secret('confirmation string').openapi({
      description: 'Callback API → “String to be returned”.',
      example: 'bb112c41',
    }),
    secret: Secret('secret key').openapi({ description: 'Callback API → Secret key.' }),
  })
  .strict()
  .openapi('VkCredentials');
export type VkCredentials = z.infer<typeof VkCredentials>;

/** The stored settings, as the adapter, the hook and the links read them. */
export const storedVkSettings = (settings: Record<string, unknown>) =>
  settings as Partial<VkSettings> & { community_name?: string };
