import { Hono } from 'hono';
import { timingSafeEqual } from 'node:crypto';
import { hashToken } from '../../auth/secrets.js';
import type { Deps } from '../../deps.js';
import { ok } from '../../http/api.js';
import { ApiError, badRequest } from '../../http/errors.js';
import { bodyLimit } from '../../http/guards.js';

/** Updates are small; Telegram's largest (a long message with entities) stays far below this. */
const UPDATE_BODY_LIMIT = 1024 * 1024;

const SECRET_HEADER = 'x-telegram-bot-api-secret-token';

/** Constant-time: both sides are SHA-256 digests, so the lengths always match. */
const sameHash = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));

/**
 * `POST /hooks/telegram/:bot_id`: Telegram's webhook calls. The `X-Telegram-Bot-Api-Secret-
 * Token` header is checked against the bot's stored hash (or, for a grace period after a new
 * secret was registered, the previous one's) BEFORE the body is read; a missing
 * or wrong one (or an unknown, stopped or deleted bot) is a 401 that changes nothing. Then the
 * update goes to the same handler as long polling. Any 2xx tells Telegram the update was
 * taken; an error makes it retry later.
 * https://core.telegram.org/bots/api#setwebhook
 */
export function telegramHookRoutes(
  { stores }: Pick<Deps, 'stores'>,
  handle: (
    bot: { id: number; shop_id: number; bot_type: 'telegram' },
    token: string,
    update: unknown,
  ) => Promise<void>,
) {
  return new Hono({ strict: false }).post(
    '/hooks/telegram/:bot_id',
    bodyLimit(UPDATE_BODY_LIMIT),
    async (c) => {
      const id = Number(c.req.param('bot_id'));
      const header = c.req.header(SECRET_HEADER) ?? '';
      const stored =
        Number.isSafeInteger(id) && id > 0 ? await stores.bots.webhookSecretHashes(id) : [];
      const presented = header && hashToken(header);
      if (!presented || !stored.some((hash) => sameHash(presented, hash)))
        throw new ApiError(401, 'Missing or wrong X-Telegram-Bot-Api-Secret-Token.');
      let update: unknown;
      try {
        update = await c.req.json();
      } catch {
        throw badRequest('Malformed JSON in request body.');
      }
      const bot = await stores.bots.get(id);
      const token = await stores.bots.credential(id);
      if (bot && token && bot.bot_type === 'telegram' && bot.status === 'active')
        await handle({ id: bot.id, shop_id: bot.shop_id, bot_type: 'telegram' }, token, update);
      return c.json(ok({ received: true }), 200);
    },
  );
}
