import type { Deps } from '../../deps.js';
import type { ChannelAdapter, Delivery, Pace, SendResult } from '../../delivery/types.js';
import type { OutgoingPayload } from '../../messages/schemas.js';
import { sendInTurn, unsubscribed, type Addressed } from '../sending.js';
import { createProgress, sendParts } from '../progress.js';
import type { SendGuard, WindowRule } from '../send-guard.js';
import type { VkApi } from './api.js';
import { randomIdOf, toVkMessages } from './format.js';
import { DEFAULT_REQUESTS_PER_SECOND, storedVkSettings } from './settings.js';

/**
 * One message a second per person (VK answers a faster sender with flood control, 9); the
 * community's requests a second (20 by default) are shared with the answers to button
 * presses. The worker's pace stays a little under them; the guard is exact.
 * https://dev.vk.com/en/api/api-requests#Restrictions%20and%20recommendations
 */
export const CHAT_INTERVAL_MS = 1000;
const PACE_SHARE = 0.98;

const transient = (error: string, retryAfterMs?: number): SendResult =>
  retryAfterMs === undefined
    ? { ok: false, retry: true, error }
    : { ok: false, retry: true, error, retryAfterMs };
const permanent = (error: string): SendResult => ({ ok: false, retry: false, error });

/**
 * The key of a community's requests in the send guard: VK counts every call of its token —
 * sends, the answers to presses, the token's checks — so all of them take a place here.
 */
export const groupKey = (groupId: number) => `vk:community:${groupId}`;
export const groupRule = (groupId: number, rps: number): WindowRule => ({
  key: groupKey(groupId),
  max: rps,
  windowMs: 1000,
});

/** One API call of a community's token, once the guard has a place for it. */
export async function communityCall<T>(
  guard: SendGuard,
  rule: WindowRule,
  signal: AbortSignal,
  call: () => Promise<T>,
): Promise<T> {
  const ended = await guard.take([rule], signal);
  try {
    return await call();
  } finally {
    ended();
  }
}

/**
 * Sends `vk` deliveries through `messages.send` with the community's token: text parts and an
 * inline keyboard (format.ts), each part with a `random_id` derived from the delivery (so a
 * retry after a lost answer is never a second message: VK keeps one per random_id). Records
 * the message id of the last part as the remote id.
 */
export function createVkAdapter(
  { stores }: Pick<Deps, 'stores'>,
  {
    api,
    guard,
    rates,
    requestTimeoutMs = 15_000,
  }: {
    api: VkApi;
    guard: SendGuard;
    /** Each bot's requests a second as its settings said at its last send (shared with the hook). */
    rates: Map<number, number>;
    requestTimeoutMs?: number;
  },
): ChannelAdapter {
  const progress = createProgress();
  const rps = (d: Delivery) => rates.get(d.bot_id!) ?? DEFAULT_REQUESTS_PER_SECOND;
  const chatKey = (d: Delivery) => `vk:chat:${d.bot_id}:${d.chat_id}`;
  const parts = (d: Delivery) => Math.max(1, toVkMessages(d.payload as OutgoingPayload).length);

  return {
    kind: 'vk',

    /** The bot's rate, then the person's (narrowest last: a retry-after blocks it). */
    pace(d): Pace[] {
      const n = parts(d);
      return [
        { key: `vk:bot:${d.bot_id}`, intervalMs: (n * 1000) / (rps(d) * PACE_SHARE) },
        { key: chatKey(d), intervalMs: n * CHAT_INTERVAL_MS },
      ];
    },

    send: sendInTurn(sendNow),
  };

  async function sendNow(d: Addressed, signal: AbortSignal): Promise<SendResult> {
    const found = await stores.bots.withSecrets(d.bot_id);
    if (!found?.token) return permanent('The bot was deleted or has no community token.');
    const settings = storedVkSettings(found.bot.settings);
    if (!settings.group_id) return permanent('The bot has no group_id.');
    rates.set(d.bot_id, settings.requests_per_second ?? DEFAULT_REQUESTS_PER_SECOND);
    const community = groupRule(settings.group_id, rps(d));
    const rules: WindowRule[] = [
      community,
      { key: chatKey(d), max: 1, windowMs: 1000, marginMs: 100 },
    ];
    if (await unsubscribed({ stores }, d))
      return permanent('The bot user unsubscribed from the bot.');
    const list = toVkMessages(d.payload as OutgoingPayload);
    if (!list.length) return permanent('Nothing to send: the message is empty.');

    const token = found.token;
    const sent = await sendParts({
      id: d.id,
      parts: list,
      progress,
      messenger: 'VK',
      signal,
      requestTimeoutMs,
      take: (wait) => guard.take(rules, wait),
      send: async (message, k, requestSignal) => {
        const reply = await api.send(
          token,
          { peer_id: d.chat_id, random_id: randomIdOf(d.id, k), ...message },
          requestSignal,
        );
        if (reply.ok) return { ok: true, id: String(reply.result) };
        if (reply.code === 6) guard.slowDown(community.key);
        if (reply.code === 5 || reply.code === 27)
          await stores.bots.update(d.bot_id, {
            status: 'error',
            status_detail: `VK rejected the community token: ${reply.message}`,
          });
        const result = classify(reply.code, reply.message, reply.httpStatus);
        if (!result.ok && result.recipientGone && d.bot_user_id != null)
          await stores.subscribers.unsubscribe(d.bot_user_id);
        return { ok: false, result };
      },
    });
    return sent.ok ? { ok: true, remoteId: sent.ids.at(-1) } : sent;
  }
}

/** Errors no retry can change: the token, the request, the community's settings. */
const FINAL = new Set([5, 7, 15, 27, 100, 911, 912, 913, 914]);
/** The person cannot be written to: they never allowed it, forbade it, or blocked the community. */
const GONE = new Set([900, 901, 902]);

/**
 * What a VK error means for the delivery:
 * - 6 too many requests a second: retry after a second; 9 flood control, 1 unknown, 10
 *   internal error: retry with backoff;
 * - 900 blacklisted, 901 no permission to write, 902 privacy settings: final, the person is
 *   gone (unsubscribed);
 * - 5 / 27 the token, 7 / 15 denied, 100 a parameter, 911–914 the message or keyboard: final;
 * - an answer that is not VK's: retry on 5xx and 429, final on other 4xx; unknown codes: retry.
 * https://dev.vk.com/en/reference/errors
 */
export function classify(code: number, message: string, httpStatus = 200): SendResult {
  const error = code >= 0 ? `VK ${code}: ${message}` : `VK: ${message}`;
  if (GONE.has(code)) return { ok: false, retry: false, recipientGone: true, error };
  if (code === 6) return transient(error, 1000);
  if (FINAL.has(code)) return permanent(error);
  if (code < 0 && httpStatus >= 400 && httpStatus < 500 && httpStatus !== 429)
    return permanent(error);
  return transient(error);
}
