import type { Deps } from '../../deps.js';
import type { ChannelAdapter, Delivery, Pace, SendResult } from '../../delivery/types.js';
import type { OutgoingPayload } from '../../messages/schemas.js';
import { createProgress, noAnswer } from '../progress.js';
import type { TelegramApi, TelegramReply } from './api.js';
import { toTelegramCalls } from './format.js';
import type { SendGuard, WindowRule } from '../send-guard.js';

/**
 * Telegram's flood limits: about 30 messages a second per bot, one a second per private chat,
 * 20 a minute per group. The bot's pace stays just under 30/s so that no one-second window
 * ever holds 30 sends. https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this
 */
export const BOT_INTERVAL_MS = 1000 / 29.5;
export const PRIVATE_CHAT_INTERVAL_MS = 1000;
export const GROUP_CHAT_INTERVAL_MS = 3000;

/** Groups, supergroups and channels have negative ids (or an @username): 20 a minute. */
export const isGroupChat = (chatId: string) => chatId.startsWith('-') || chatId.startsWith('@');

/** A failure worth trying again later (network, 5xx, 429), and one that never will succeed. */
const transient = (error: string): SendResult => ({ ok: false, retry: true, error });
const permanent = (error: string): SendResult => ({ ok: false, retry: false, error });

/**
 * Sends `telegram` deliveries through the Bot API: one message (a photo or document and/or
 * text parts, see format.ts) per delivery, with the bot's token read at send time. Records
 * the messenger's message_id as the remote id (ids of several parts comma-separated).
 */
export function createTelegramAdapter(
  { stores }: Pick<Deps, 'stores'>,
  {
    api,
    guard,
    requestTimeoutMs = 15_000,
    publicUrl,
  }: { api: TelegramApi; guard: SendGuard; requestTimeoutMs?: number; publicUrl?: string },
): ChannelAdapter {
  const progress = createProgress();
  const calls = (d: Delivery) =>
    toTelegramCalls(d.payload as OutgoingPayload, d.chat_id ?? '', publicUrl);

  // A wide margin per chat costs nothing (a chat gets a message a second at most); the bot's
  // stays narrow, as every millisecond of it is throughput.
  const rules = (d: Delivery): WindowRule[] => {
    const chat = d.chat_id ?? '';
    return [
      { key: `bot:${d.bot_id}`, max: 30, windowMs: 1000 },
      isGroupChat(chat)
        ? { key: `chat:${d.bot_id}:${chat}`, max: 20, windowMs: 60_000, marginMs: 100 }
        : { key: `chat:${d.bot_id}:${chat}`, max: 1, windowMs: 1000, marginMs: 100 },
    ];
  };

  return {
    kind: 'telegram',

    /** Broadest first (the worker blocks the narrowest on a 429); one slot per message part. */
    pace(d): Pace[] {
      const chat = d.chat_id ?? '';
      const parts = Math.max(1, calls(d).length);
      return [
        { key: `telegram:bot:${d.bot_id}`, intervalMs: parts * BOT_INTERVAL_MS },
        {
          key: `telegram:chat:${d.bot_id}:${chat}`,
          intervalMs:
            parts * (isGroupChat(chat) ? GROUP_CHAT_INTERVAL_MS : PRIVATE_CHAT_INTERVAL_MS),
        },
      ];
    },

    async send(d, signal) {
      if (d.bot_id == null || !d.chat_id) return permanent('No bot or chat to send to.');
      const token = await stores.bots.credential(d.bot_id);
      if (!token) return permanent('The bot was deleted or has no token.');
      if (d.bot_user_id != null) {
        const to = await stores.subscribers.recipient(d.bot_user_id);
        // Blocked the bot meanwhile (403 on another message, or my_chat_member): no attempt.
        if (to && !to.subscribed) return permanent('The bot user unsubscribed from the bot.');
      }
      const list = calls(d);
      if (!list.length) return permanent('Nothing to send: the message is empty.');
      const p = progress.take(d.id);
      const from = p.done;
      for (let k = from; k < list.length; k++) {
        let reply: TelegramReply<{ message_id?: number }>;
        let requestSignal: AbortSignal | undefined;
        let ended: (() => void) | undefined;
        try {
          // Waiting for a slot may end with the worker's timeout: nothing was sent yet. The
          // request gets its own full timeout, so that a wait never shortens it: a request
          // aborted after Telegram took it would be sent again (a duplicate).
          ended = await guard.take(rules(d), k === from ? signal : undefined);
          requestSignal = AbortSignal.timeout(requestTimeoutMs);
          reply = await api.call(token, list[k].method, list[k].params, requestSignal);
        } catch (err) {
          progress.keep(d.id, p);
          return noAnswer('Telegram', requestSignal, err);
        } finally {
          ended?.(); // the guard counts this send from now on (its answer's time)
        }
        if (!reply.ok) {
          progress.keep(d.id, p);
          if ((reply.error_code || reply.status) === 429) guard.slowDown(rules(d)[0].key);
          return classify(reply);
        }
        p.ids.push(String(reply.result?.message_id ?? ''));
        p.done = k + 1;
      }
      return { ok: true, remoteId: p.ids.join(',') };
    },
  };
}

/**
 * What a Bot API error means for the delivery:
 * - 429: flood control; retry exactly after `parameters.retry_after` seconds.
 * - 403 "bot was blocked by the user" / "user is deactivated": the person is gone.
 * - `parameters.migrate_to_chat_id` (400): the group became a supergroup; resend there.
 * - other 4xx: the request can never succeed (bad chat, bad HTML, bad token); 5xx: retry.
 * https://core.telegram.org/bots/api#responseparameters
 */
export function classify(reply: Extract<TelegramReply, { ok: false }>): SendResult {
  const code = reply.error_code || reply.status;
  const error = `Telegram ${code}: ${reply.description}`;
  if (code === 429) {
    const after = reply.parameters?.retry_after;
    const result: SendResult = { ok: false, retry: true, error };
    if (typeof after === 'number' && after >= 0) result.retryAfterMs = after * 1000;
    return result;
  }
  if (code === 403 && /blocked by the user|user is deactivated/i.test(reply.description))
    return { ok: false, retry: false, recipientGone: true, error };
  const migrate = reply.parameters?.migrate_to_chat_id;
  if (migrate !== undefined && migrate !== null)
    return { ok: false, retry: true, migrateToChatId: String(migrate), error };
  if (code >= 400 && code < 500) return permanent(error);
  return transient(error);
}
