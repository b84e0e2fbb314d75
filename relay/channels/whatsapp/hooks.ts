import { Hono } from 'hono';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { BotRef } from '../../bots/lifecycle.js';
import type { Deps } from '../../deps.js';
import { ok } from '../../http/api.js';
import { ApiError, badRequest } from '../../http/errors.js';
import { bodyLimit } from '../../http/guards.js';
import type { Inbound } from '../inbound.js';
import { storedSettings } from './settings.js';
import { handleWhatsAppWebhook, type LateReceipt } from './updates.js';

/** Meta batches up to 1,000 updates in one webhook; 3 MiB leaves room for that. */
const WEBHOOK_BODY_LIMIT = 3 * 1024 * 1024;

/** A status whose send is not recorded yet is tried again after these delays, then dropped. */
const LATE_RECEIPT_DELAYS_MS = [500, 2_000, 8_000];

const SIGNATURE = /^sha256=([0-9a-f]{64})$/i;

/** Constant-time comparison of two secrets of any length (their SHA-256 digests are compared). */
const sameSecret = (a: string, b: string) =>
  timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());

/**
 * WhatsApp's webhook endpoint, `/hooks/whatsapp/:bot_id` (paste it into the Meta app
 * dashboard with the bot's verify token):
 * - `GET`: Meta's verification request; with `hub.mode=subscribe` and the bot's verify token
 *   (compared in constant time) the answer is `hub.challenge`, as text; 403 otherwise.
 * - `POST`: updates. `X-Hub-Signature-256` must be the HMAC-SHA256 of the raw body keyed with
 *   the app secret, checked in constant time BEFORE the body is parsed; 401 otherwise, and
 *   nothing changes. Then the update goes to the inbound handlers (one transaction each; a
 *   message delivered twice is handled once) and the answer is 200 at once — Meta retries
 *   anything else. https://developers.facebook.com/docs/graph-api/webhooks/getting-started
 */
export function whatsappHookRoutes({ stores }: Pick<Deps, 'stores'>, inbound: Inbound) {
  const pending = new Set<NodeJS.Timeout>();
  const retryLater = (apply: LateReceipt, attempt = 0) => {
    const delay = LATE_RECEIPT_DELAYS_MS[attempt];
    if (delay === undefined || pending.size > 10_000) return;
    const timer = setTimeout(async () => {
      pending.delete(timer);
      const outcome = await apply().catch(() => 'unknown' as const);
      if (outcome === 'unknown') retryLater(apply, attempt + 1);
    }, delay);
    timer.unref();
    pending.add(timer);
  };

  /** The bot when it is a WhatsApp bot with its secrets; null for any other id. */
  const whatsappBot = async (raw: string) => {
    const id = Number(raw);
    if (!Number.isSafeInteger(id) || id <= 0) return null;
    const found = await stores.bots.withSecrets(id);
    return found && found.bot.bot_type === 'whatsapp' ? found : null;
  };

  return new Hono({ strict: false })
    .get('/hooks/whatsapp/:bot_id', async (c) => {
      const found = await whatsappBot(c.req.param('bot_id'));
      const expected = found?.credentials.verify_token;
      const given = c.req.query('hub.verify_token') ?? '';
      const challenge = c.req.query('hub.challenge') ?? '';
      if (
        c.req.query('hub.mode') !== 'subscribe' ||
        !expected ||
        !sameSecret(given, expected) ||
        !/^[\x21-\x7e]{1,200}$/.test(challenge)
      )
        throw new ApiError(403, 'Wrong hub.mode or hub.verify_token for this bot.');
      return c.text(challenge, 200, { 'x-content-type-options': 'nosniff' });
    })
    .post('/hooks/whatsapp/:bot_id', bodyLimit(WEBHOOK_BODY_LIMIT), async (c) => {
      const found = await whatsappBot(c.req.param('bot_id'));
      const secret = found?.credentials.app_secret;
      const header = SIGNATURE.exec(c.req.header('x-hub-signature-256') ?? '');
      if (!secret || !header) throw new ApiError(401, 'Missing or wrong X-Hub-Signature-256.');
      const body = Buffer.from(await c.req.arrayBuffer());
      const expected = createHmac('sha256', secret).update(body).digest();
      if (!timingSafeEqual(expected, Buffer.from(header[1], 'hex')))
        throw new ApiError(401, 'Missing or wrong X-Hub-Signature-256.');
      let update: unknown;
      try {
        update = JSON.parse(body.toString('utf8'));
      } catch {
        throw badRequest('Malformed JSON in request body.');
      }
      const { bot } = found!;
      const phoneNumberId = storedSettings(bot.settings).phone_number_id;
      if (bot.status === 'active' && phoneNumberId) {
        const ref: BotRef = { id: bot.id, shop_id: bot.shop_id, bot_type: 'whatsapp' };
        const late = await handleWhatsAppWebhook(update, { bot: ref, phoneNumberId, inbound });
        for (const apply of late) retryLater(apply);
      }
      return c.json(ok({ received: true }), 200);
    });
}
