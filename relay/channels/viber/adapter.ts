import type { Deps } from '../../deps.js';
import type { ChannelAdapter, Delivery, Pace, SendResult } from '../../delivery/types.js';
import type { OutgoingPayload } from '../../messages/schemas.js';
import { sendInTurn, unsubscribed, type Addressed } from '../sending.js';
import { createProgress, sendParts } from '../progress.js';
import type { SendGuard, WindowRule } from '../send-guard.js';
import { VIBER_STATUS, type ViberApi } from './api.js';
import { asUrlMessage, MAX_FILE_BYTES, toViberMessages, type ViberMessage } from './format.js';
import { senderName } from './hooks.js';

/**
 * Viber publishes no send rate per bot; it answers 12 ("too many requests") when one is
 * breached, and after 100 messages to a person who has not replied within an hour. The relay
 * keeps Telegram's pace — 30 a second per bot, one a second per person — and retries a 12.
 * https://developers.viber.com/docs/api/rest-bot-api/#send-message
 */
export const BOT_INTERVAL_MS = 1000 / 29.5;
export const CHAT_INTERVAL_MS = 1000;

const transient = (error: string): SendResult => ({ ok: false, retry: true, error });
const permanent = (error: string): SendResult => ({ ok: false, retry: false, error });

/** Statuses that say the bot itself cannot send: its token, or the account. */
const BOT_BROKEN = new Set<number>([
  VIBER_STATUS.invalidAuthToken,
  VIBER_STATUS.publicAccountBlocked,
  VIBER_STATUS.publicAccountNotFound,
  VIBER_STATUS.publicAccountSuspended,
]);

/** Statuses no retry can change: the request or the person's app. */
const FINAL = new Set<number>([
  VIBER_STATUS.badData,
  VIBER_STATUS.missingData,
  VIBER_STATUS.receiverNoSuitableDevice,
  VIBER_STATUS.apiVersionNotSupported,
  VIBER_STATUS.incompatibleWithVersion,
]);

/** How long the size of a file may take to learn (a HEAD request to the shop's URL). */
const HEAD_TIMEOUT_MS = 5_000;

/**
 * Sends `viber` deliveries through the REST Bot API's `send_message`: text, a picture or a
 * file by URL, and scenario buttons as a keyboard (format.ts), under the account's name.
 * Records the message_token of the last message sent as the remote id: Viber's `delivered`,
 * `seen` and `failed` callbacks move the delivery on. `fileSize` asks the file's server for
 * its size (Viber requires it); without one the file goes as a link.
 */
export function createViberAdapter(
  { stores }: Pick<Deps, 'stores'>,
  {
    api,
    guard,
    fileSize,
    requestTimeoutMs = 15_000,
  }: {
    api: ViberApi;
    guard: SendGuard;
    fileSize: (url: string, signal: AbortSignal) => Promise<number | null>;
    requestTimeoutMs?: number;
  },
): ChannelAdapter {
  const progress = createProgress();
  const botKey = (d: Delivery) => `viber:bot:${d.bot_id}`;
  const rules = (d: Delivery): WindowRule[] => [
    { key: botKey(d), max: 30, windowMs: 1000 },
    { key: `viber:chat:${d.bot_id}:${d.chat_id}`, max: 1, windowMs: 1000, marginMs: 100 },
  ];
  const parts = (d: Delivery) => Math.max(1, toViberMessages(d.payload as OutgoingPayload).length);

  const withSize = async (m: ViberMessage): Promise<ViberMessage> => {
    if (m.type !== 'file') return m;
    const size = await fileSize(String(m.media), AbortSignal.timeout(HEAD_TIMEOUT_MS)).catch(
      () => null,
    );
    return size && size <= MAX_FILE_BYTES ? { ...m, size } : asUrlMessage(m);
  };

  return {
    kind: 'viber',

    /** Broadest first (the worker blocks the narrowest on a retry-after); a slot per part. */
    pace(d): Pace[] {
      const n = parts(d);
      return [
        { key: botKey(d), intervalMs: n * BOT_INTERVAL_MS },
        { key: `viber:chat:${d.bot_id}:${d.chat_id}`, intervalMs: n * CHAT_INTERVAL_MS },
      ];
    },

    send: sendInTurn(sendNow),
  };

  async function sendNow(d: Addressed, signal: AbortSignal): Promise<SendResult> {
    const found = await stores.bots.withSecrets(d.bot_id);
    if (!found?.token) return permanent('The bot was deleted or has no auth token.');
    if (await unsubscribed({ stores }, d))
      return permanent('The bot user unsubscribed from the bot.');
    const list = toViberMessages(d.payload as OutgoingPayload);
    if (!list.length) return permanent('Nothing to send: the message is empty.');
    const sender = { name: senderName(found.bot) };
    const token = found.token;
    const sent = await sendParts({
      id: d.id,
      parts: await Promise.all(list.map(withSize)),
      progress,
      messenger: 'Viber',
      signal,
      requestTimeoutMs,
      take: (wait) => guard.take(rules(d), wait),
      send: async (message, _k, requestSignal) => {
        const reply = await api.send(
          token,
          { receiver: d.chat_id, sender, ...message },
          requestSignal,
        );
        if (reply.ok) return { ok: true, id: reply.result.message_token };
        if (reply.status === VIBER_STATUS.tooManyRequests) guard.slowDown(botKey(d));
        if (BOT_BROKEN.has(reply.status))
          await stores.bots.update(d.bot_id, {
            status: 'error',
            status_detail: `Viber refused the bot: ${reply.message} (${reply.status})`,
          });
        const result = classify(reply.status, reply.message, reply.httpStatus);
        // Unsubscribed before the person's next message takes its turn.
        if (!result.ok && result.recipientGone && d.bot_user_id != null)
          await stores.subscribers.unsubscribe(d.bot_user_id);
        return { ok: false, result };
      },
    });
    // The last message's receipts stand for the delivery.
    return sent.ok ? { ok: true, remoteId: sent.ids.at(-1) } : sent;
  }
}

/**
 * What a Viber status means for the delivery:
 * - 12 too many requests (and 18, a message rate exceeded): retry with backoff;
 * - 5 not registered, 6 not subscribed: final, the person is gone (unsubscribed);
 * - 2 token, 7–9 account blocked, missing or suspended: final (the bot shows the error);
 * - 3, 4 bad or missing data, 11 no suitable device, 13, 14 API version: final;
 * - an answer that is not Viber's: retry on 5xx and 429, final on other 4xx;
 * - anything else (10 webhook not set, an unknown status): retry.
 * https://developers.viber.com/docs/api/rest-bot-api/#error-codes
 */
export function classify(status: number, message: string, httpStatus = 200): SendResult {
  const error = status >= 0 ? `Viber ${status}: ${message}` : `Viber: ${message}`;
  if (
    status === VIBER_STATUS.receiverNotRegistered ||
    status === VIBER_STATUS.receiverNotSubscribed
  )
    return { ok: false, retry: false, recipientGone: true, error };
  if (status === VIBER_STATUS.tooManyRequests || status === 18) return transient(error);
  if (BOT_BROKEN.has(status) || FINAL.has(status)) return permanent(error);
  if (status < 0 && httpStatus >= 400 && httpStatus < 500 && httpStatus !== 429)
    return permanent(error);
  return transient(error);
}
