import { Hono } from 'hono';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { BotRef } from '../../bots/lifecycle.js';
import type { Deps } from '../../deps.js';
import { ok } from '../../http/api.js';
import { ApiError, badRequest } from '../../http/errors.js';
import { bodyLimit } from '../../http/guards.js';
import { createLateReceipts, hookBot } from '../hooks.js';
import type { Inbound } from '../inbound.js';
import { parseViberJson } from './api.js';
import { LIMITS } from './format.js';
import { clip } from '../text.js';
import { storedViberSettings } from './settings.js';
import { handleViberCallback } from './updates.js';

/** Callbacks are small (one event each); 1 MiB leaves room for a long message. */
const CALLBACK_BODY_LIMIT = 1024 * 1024;

const SIGNATURE = /^[0-9a-f]{64}$/i;

/** The name the bot's messages are sent under: the account's, or the bot's. */
export const senderName = (bot: { name: string; settings: Record<string, unknown> }) =>
  clip(storedViberSettings(bot.settings).account_name || bot.name, LIMITS.senderName);

/**
 * `POST /hooks/viber/:bot_id`, where the relay registers each Viber bot's webhook.
 * `X-Viber-Content-Signature` must be the hex HMAC-SHA256 of the raw body keyed with the bot's
 * auth token, checked in constant time BEFORE the body is parsed; 401 otherwise (also for an
 * unknown bot), and nothing changes. A verified callback goes to the inbound handlers (one
 * transaction each; a callback Viber sends again is handled once, by its message_token) and
 * is answered 200 — Viber retries anything else for an hour. A `conversation_started` of
 * someone not subscribed yet is answered with the bot's one welcome message.
 * https://developers.viber.com/docs/api/rest-bot-api/#callbacks
 */
export function viberHookRoutes({ stores }: Pick<Deps, 'stores'>, inbound: Inbound) {
  const retryLater = createLateReceipts();
  return new Hono({ strict: false }).post(
    '/hooks/viber/:bot_id',
    bodyLimit(CALLBACK_BODY_LIMIT),
    async (c) => {
      const found = await hookBot({ stores }, c.req.param('bot_id'), 'viber');
      const header = c.req.header('x-viber-content-signature') ?? '';
      if (!found?.token || !SIGNATURE.test(header))
        throw new ApiError(401, 'Missing or wrong X-Viber-Content-Signature.');
      const body = Buffer.from(await c.req.arrayBuffer());
      const expected = createHmac('sha256', found.token).update(body).digest();
      if (!timingSafeEqual(expected, Buffer.from(header, 'hex')))
        throw new ApiError(401, 'Missing or wrong X-Viber-Content-Signature.');
      let update: unknown;
      try {
        update = parseViberJson(body.toString('utf8'));
      } catch {
        throw badRequest('Malformed JSON in request body.');
      }
      const { bot } = found;
      if (bot.status === 'active') {
        const ref: BotRef = { id: bot.id, shop_id: bot.shop_id, bot_type: 'viber' };
        const answer = await handleViberCallback(update, {
          bot: ref,
          inbound,
          senderName: senderName(bot),
        });
        for (const apply of answer.late) retryLater(apply);
        if (answer.welcome) return c.json(answer.welcome, 200);
      }
      return c.json(ok({ received: true }), 200);
    },
  );
}
