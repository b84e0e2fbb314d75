import { Hono } from 'hono';
import type { BotRef } from '../../bots/lifecycle.js';
import type { Deps } from '../../deps.js';
import { ApiError, badRequest } from '../../http/errors.js';
import { bodyLimit } from '../../http/guards.js';
import { hookBot, sameSecret } from '../hooks.js';
import type { Inbound } from '../inbound.js';
import type { SendGuard } from '../send-guard.js';
import { communityCall, groupRule } from './adapter.js';
import type { VkApi } from './api.js';
import { DEFAULT_REQUESTS_PER_SECOND, storedVkSettings } from './settings.js';
import { handleVkEvent } from './updates.js';

/** Events are small; 1 MiB leaves room for a long message with attachments. */
const EVENT_BODY_LIMIT = 1024 * 1024;

/** How long the answer to a button press may take (VK shows a spinner until it arrives). */
const ANSWER_TIMEOUT_MS = 5_000;

const refused = () => new ApiError(401, 'Missing or wrong Callback API secret.');

/**
 * `POST /hooks/vk/:bot_id`, the address the owner pastes into the community's Callback API
 * settings. VK signs nothing: its events carry the secret key inside their JSON. So the body
 * is read as JSON only to find `group_id`, `type` and `secret`, and nothing else of it is
 * looked at until the secret matches (constant time):
 * - `confirmation` of the bot's community: answered with its confirmation string as text;
 * - any other event must carry the configured secret, else 401 and nothing changes; it goes
 *   to the inbound handlers (a message or press VK sends again is handled once, by its id) and
 *   is answered `ok` — VK sends it again otherwise.
 * https://dev.vk.com/en/api/callback/getting-started
 */
export function vkHookRoutes(
  { stores }: Pick<Deps, 'stores'>,
  inbound: Inbound,
  { api, guard, rates }: { api: VkApi; guard: SendGuard; rates: Map<number, number> },
) {
  return new Hono({ strict: false }).post(
    '/hooks/vk/:bot_id',
    bodyLimit(EVENT_BODY_LIMIT),
    async (c) => {
      const found = await hookBot({ stores }, c.req.param('bot_id'), 'vk');
      const { confirmation, secret } = found?.credentials ?? {};
      if (!found?.token || !confirmation || !secret) throw refused();
      let body: any;
      try {
        body = JSON.parse(await c.req.text());
      } catch {
        throw badRequest('Malformed JSON in request body.');
      }
      const given = typeof body?.secret === 'string' ? body.secret : null;
      const { bot } = found;
      const settings = storedVkSettings(bot.settings);
      if (body?.group_id !== settings.group_id) throw refused();
      if (body.type === 'confirmation') {
        // VK sends the secret with the confirmation too once one is set.
        if (given !== null && !sameSecret(given, secret)) throw refused();
        return c.text(confirmation, 200);
      }
      if (given === null || !sameSecret(given, secret)) throw refused();
      if (bot.status === 'active' && typeof body.type === 'string') {
        const ref: BotRef = { id: bot.id, shop_id: bot.shop_id, bot_type: 'vk' };
        const rps =
          rates.get(bot.id) ?? settings.requests_per_second ?? DEFAULT_REQUESTS_PER_SECOND;
        const eventId =
          typeof body.event_id === 'string' && /^[0-9a-f]{1,64}$/i.test(body.event_id)
            ? body.event_id
            : null;
        await handleVkEvent(body.type, body.object, eventId, {
          bot: ref,
          inbound,
          // The answer is one of the community's requests: it takes its place in the guard.
          answer: async (e, notice) => {
            const signal = AbortSignal.timeout(ANSWER_TIMEOUT_MS);
            await communityCall(guard, groupRule(settings.group_id!, rps), signal, () =>
              api.answerEvent(
                found.token!,
                { event_id: e.event_id, user_id: e.user_id, peer_id: e.peer_id, text: notice },
                signal,
              ),
            ).catch(() => {
              // The spinner ends by itself; the press itself was handled.
            });
          },
        });
      }
      return c.text('ok', 200);
    },
  );
}
