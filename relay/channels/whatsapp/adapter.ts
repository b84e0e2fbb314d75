import type { Deps } from '../../deps.js';
import type { ChannelAdapter, Delivery, Pace, SendResult } from '../../delivery/types.js';
import type { OutgoingPayload } from '../../messages/schemas.js';
import { createProgress, noAnswer } from '../progress.js';
import type { SendGuard, WindowRule } from '../send-guard.js';
import type { GraphApi, GraphError } from './api.js';
import {
  templateMessage,
  toWhatsAppMessages,
  type TemplateSpec,
  type WhatsAppMessage,
} from './format.js';
import { DEFAULT_MESSAGES_PER_SECOND, storedSettings } from './settings.js';

/**
 * WhatsApp's pair rate: one message every 6 s from a business number to one person, with
 * bursts borrowed from the time after (Meta allows 45; the relay keeps well under). Sends
 * to one person queue behind it rather than fail with 131056.
 * https://developers.facebook.com/docs/whatsapp/cloud-api/overview#pair-rate-limits
 */
export const PAIR_INTERVAL_MS = 6_000;
export const PAIR_BURST = 10;

/**
 * Free-form messages reach a person only within 24 hours of their last message to the
 * business (customer service window); outside it, only approved templates. A minute of
 * margin for clocks and the time a send takes.
 * https://developers.facebook.com/docs/whatsapp/pricing#customer-service-windows
 */
export const WINDOW_MS = 24 * 60 * 60_000;
const WINDOW_MARGIN_MS = 60_000;

/** The worker's pace stays a little under the number's throughput; the guard is exact. */
const PACE_SHARE = 0.98;

const transient = (error: string, retryAfterMs?: number): SendResult =>
  retryAfterMs === undefined
    ? { ok: false, retry: true, error }
    : { ok: false, retry: true, error, retryAfterMs };
const permanent = (error: string): SendResult => ({ ok: false, retry: false, error });

/** Graph API codes worth trying again: unknown or temporary errors, maintenance, throughput. */
const TEMPORARY = new Set([1, 2, 4, 17, 341, 80007, 130429, 131000, 131016, 131057, 133004]);

/**
 * Sends `whatsapp` deliveries through the Cloud API (`POST /<phone number id>/messages`):
 * text, image and document by URL, scenario buttons as interactive reply buttons or a list
 * (format.ts) — within the person's 24-hour window. Outside it, the payload's approved
 * template goes instead, and without one the delivery ends `dead` saying why. Records the
 * wamid of the last message sent as the remote id: its status webhooks (delivered, read,
 * failed) move the delivery on.
 */
export function createWhatsAppAdapter(
  { stores }: Pick<Deps, 'stores'>,
  {
    api,
    guard,
    requestTimeoutMs = 15_000,
    now = Date.now,
  }: { api: GraphApi; guard: SendGuard; requestTimeoutMs?: number; now?: () => number },
): ChannelAdapter {
  const progress = createProgress();
  /**
   * One send at a time per person, in the order the worker hands them over: the pair rate
   * lets several messages to one person go at once, and WhatsApp keeps no order between
   * requests in flight together (a scenario's text and its buttons would cross).
   */
  const queues = new Map<string, Promise<unknown>>();
  const inTurn = <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const run = (queues.get(key) ?? Promise.resolve()).then(fn);
    const tail = run.then(
      () => {},
      () => {},
    );
    queues.set(key, tail);
    void tail.then(() => {
      if (queues.get(key) === tail) queues.delete(key);
    });
    return run;
  };
  /** Each bot's throughput as its settings said at its last send (pace() cannot read them). */
  const rates = new Map<number, number>();
  const numberKey = (d: Delivery) => `whatsapp:number:${d.bot_id}`;
  const rules = (d: Delivery): WindowRule[] => [
    {
      key: numberKey(d),
      max: rates.get(d.bot_id!) ?? DEFAULT_MESSAGES_PER_SECOND,
      windowMs: 1000,
    },
  ];
  const parts = (d: Delivery) =>
    Math.max(1, toWhatsAppMessages(d.payload as OutgoingPayload, d.chat_id ?? '').length);

  /** When the person last wrote: the bot user's, or by number for an alert to a manager. */
  const lastInbound = async (d: Delivery): Promise<string | null | 'unsubscribed'> => {
    if (d.bot_user_id != null) {
      const to = await stores.subscribers.recipient(d.bot_user_id);
      if (to && !to.subscribed) return 'unsubscribed';
      return to?.last_inbound_at ?? null;
    }
    return stores.subscribers.lastInbound(d.bot_id!, d.chat_id!);
  };

  return {
    kind: 'whatsapp',

    /** The number's throughput, then the person's pair rate (narrowest last: a 131056 blocks it). */
    pace(d): Pace[] {
      const n = parts(d);
      const mps = rates.get(d.bot_id!) ?? DEFAULT_MESSAGES_PER_SECOND;
      return [
        { key: numberKey(d), intervalMs: (n * 1000) / (mps * PACE_SHARE) },
        {
          key: `whatsapp:pair:${d.bot_id}:${d.chat_id}`,
          intervalMs: n * PAIR_INTERVAL_MS,
          burst: PAIR_BURST,
        },
      ];
    },

    send(d, signal) {
      if (d.bot_id == null || !d.chat_id)
        return Promise.resolve(permanent('No bot or number to send to.'));
      const to = { ...d, bot_id: d.bot_id, chat_id: d.chat_id };
      return inTurn(`${d.bot_id}:${d.chat_id}`, () => sendNow(to, signal));
    },
  };

  async function sendNow(
    d: Delivery & { bot_id: number; chat_id: string },
    signal: AbortSignal,
  ): Promise<SendResult> {
    const bot = await stores.bots.withSecrets(d.bot_id);
    if (!bot?.token) return permanent('The bot was deleted or has no access token.');
    const settings = storedSettings(bot.bot.settings);
    if (!settings.phone_number_id) return permanent('The bot has no phone_number_id.');
    rates.set(d.bot_id, settings.messages_per_second ?? DEFAULT_MESSAGES_PER_SECOND);
    const last = await lastInbound(d);
    if (last === 'unsubscribed') return permanent('The bot user unsubscribed from the bot.');
    const payload = d.payload as OutgoingPayload;
    const open = last !== null && now() - Date.parse(last) < WINDOW_MS - WINDOW_MARGIN_MS;
    const template = payload.whatsapp_template;
    let list: WhatsAppMessage[];
    if (open) list = toWhatsAppMessages(payload, d.chat_id);
    else if (template) list = [templateMessage(d.chat_id, template)];
    else return permanent(outsideWindow(last));
    if (!list.length) return permanent('Nothing to send: the message is empty.');

    const p = progress.take(d.id);
    const from = p.done;
    for (let k = from; k < list.length; k++) {
      let reply;
      let requestSignal: AbortSignal | undefined;
      let ended: (() => void) | undefined;
      try {
        // As for Telegram: a wait for a slot may end with the worker's timeout (nothing was
        // sent); the request itself gets its own full timeout.
        ended = await guard.take(rules(d), k === from ? signal : undefined);
        requestSignal = AbortSignal.timeout(requestTimeoutMs);
        reply = await api.send(settings.phone_number_id, bot.token, list[k], requestSignal);
      } catch (err) {
        progress.keep(d.id, p);
        return noAnswer('WhatsApp', requestSignal, err);
      } finally {
        ended?.(); // the guard counts this send from now on (its answer's time)
      }
      if (!reply.ok) {
        const { code } = reply.error;
        // The relay's record said the window was open, WhatsApp says it is not (the person's
        // last message never reached the relay): the template goes instead, nothing was sent.
        if (code === 131047 && template && k === 0 && list[0].type !== 'template') {
          list = [templateMessage(d.chat_id, template)];
          k = -1;
          continue;
        }
        progress.keep(d.id, p);
        if (code === 130429) guard.slowDown(numberKey(d));
        if (code === 190 || reply.status === 401)
          await stores.bots.update(d.bot_id, {
            status: 'error',
            status_detail: `WhatsApp rejected the access token: ${reply.error.message}`,
          });
        const result = classify(reply.status, reply.error, d.attempts);
        // Unsubscribed before the person's next message takes its turn (the worker's hook
        // does it too, but only after this send has let the next one go).
        if (!result.ok && result.recipientGone && d.bot_user_id != null)
          await stores.subscribers.unsubscribe(d.bot_user_id);
        return result;
      }
      p.ids.push(reply.result.messages?.[0]?.id ?? '');
      p.done = k + 1;
    }
    // The last message's receipts stand for the delivery (WhatsApp delivers in order).
    return { ok: true, remoteId: p.ids.at(-1) };
  }
}

/** Why a free-form message did not go, for the delivery's last_error. */
function outsideWindow(last: string | null): string {
  const when = last ? `last wrote at ${last}` : 'never wrote to this number';
  return (
    `Outside WhatsApp's 24-hour window (the person ${when}): free-form messages are refused. ` +
    'Set an approved template (whatsapp_template) to reach them.'
  );
}

/**
 * What a Cloud API error means for the delivery:
 * - 130429 (throughput) and other temporary errors, 5xx: retry with backoff;
 * - 131056 (pair rate): retry after the pair's interval, doubling per attempt;
 * - 131047 (outside the 24-hour window): final, with its reason;
 * - 131026 (undeliverable: not on WhatsApp, blocked the business, old app): final, the person
 *   is gone;
 * - 190 / 401 (access token): final (the bot shows the error);
 * - other 4xx: the request can never succeed.
 * https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes
 */
export function classify(status: number, e: GraphError, attempts: number): SendResult {
  const details = e.error_data?.details;
  const error = `WhatsApp ${e.code}: ${e.message}${details && details !== e.message ? ` (${details})` : ''}`;
  if (e.code === 131056)
    return transient(error, PAIR_INTERVAL_MS * 2 ** Math.min(Math.max(attempts - 1, 0), 5));
  if (e.code === 131026) return { ok: false, retry: false, recipientGone: true, error };
  if (TEMPORARY.has(e.code) || status >= 500 || status === 429) return transient(error);
  if (status >= 400 && status < 500) return permanent(error);
  return transient(error);
}
