import { z } from '@hono/zod-openapi';
import { orNull } from '../http/api.js';
import { ShopId } from '../auth/principal.js';
import { BotUser, BotUserFilter } from '../bot-users/schemas.js';
import { Message } from '../messages/schemas.js';

export const Conversation = z
  .object({
    bot_user: BotUser,
    /** The newest message of the chat, either direction. */
    last_message: orNull(Message),
    /** The person's messages (texts and what the relay cannot read) after the read marker. */
    unread: z.number().int(),
  })
  .openapi('Conversation');
export type Conversation = z.infer<typeof Conversation>;

export const ConversationFilter = BotUserFilter.extend({
  unread: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional()
    .openapi({
      param: { name: 'unread', in: 'query' },
      description: '`true`: only conversations with unread messages.',
    }),
});

export const ReadInput = z
  .object({
    /** Read up to this message (default: the newest). */
    message_id: z.number().int().positive().optional(),
  })
  .openapi('ConversationRead');

/** Whom a manager takes over or hands back. */
export const TakeoverInput = z
  .object({ shop_id: ShopId.optional(), bot_user_id: z.number().int().positive() })
  .openapi('Takeover');
