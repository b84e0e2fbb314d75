import { setTimeout as sleep } from 'node:timers/promises';
import type { BotRef } from '../../bots/lifecycle.js';
import type { Stores } from '../../deps.js';
import type { TelegramApi } from './api.js';
import { ALLOWED_UPDATES } from './updates.js';

/** getUpdates long-poll timeout: Telegram holds the request until an update or this many seconds. */
export const POLL_TIMEOUT_S = 25;

export type PollerOptions = {
  api: TelegramApi;
  stores: Pick<Stores, 'bots'>;
  handle: (update: unknown) => Promise<void>;
  /** Seconds per getUpdates (tests shorten it). */
  timeoutS?: number;
};

/**
 * Long polling, for a relay without a public URL: one loop per bot calling `getUpdates` with
 * the offset after the last handled update, persisted in bots.tg_update_offset so that a
 * restart neither loses nor repeats updates (a repeat would be deduplicated anyway). Network
 * errors back off up to 30 s; a 409 (a webhook is still set, e.g. the relay had a public URL
 * before) removes the webhook; a 401/404 (token revoked) marks the bot `error` and stops.
 * https://core.telegram.org/bots/api#getupdates
 */
export function startPoller(bot: BotRef, token: string, opts: PollerOptions) {
  const { api, stores, handle, timeoutS = POLL_TIMEOUT_S } = opts;
  const controller = new AbortController();
  const { signal } = controller;
  let failures = 0;

  const pause = async (ms: number) => {
    await sleep(ms, undefined, { signal }).catch(() => {});
  };
  const backoff = () => pause(Math.min(30_000, 500 * 2 ** Math.min(failures++, 6)));

  const loop = async () => {
    let offset = await stores.bots.updateOffset(bot.id);
    let webhookDeleted = false;
    while (!signal.aborted) {
      let reply;
      try {
        reply = await api.call<{ update_id: number }[]>(
          token,
          'getUpdates',
          { offset, timeout: timeoutS, allowed_updates: ALLOWED_UPDATES },
          AbortSignal.any([signal, AbortSignal.timeout((timeoutS + 10) * 1000)]),
        );
      } catch {
        if (!signal.aborted) await backoff();
        continue;
      }
      if (reply.ok) {
        failures = 0;
        for (const update of Array.isArray(reply.result) ? reply.result : []) {
          try {
            await handle(update);
          } catch (err) {
            // Skipped rather than retried forever: one unreadable update must not stop the bot.
            console.error(`telegram bot ${bot.id}: update ${update?.update_id} failed:`, err);
          }
          if (Number.isSafeInteger(update?.update_id)) {
            offset = Math.max(offset, update.update_id + 1);
            await stores.bots.setUpdateOffset(bot.id, offset);
          }
        }
      } else if (reply.error_code === 409 && !webhookDeleted) {
        webhookDeleted = true;
        await api.call(token, 'deleteWebhook', {}, signal).catch(() => {});
      } else if (reply.error_code === 401 || reply.error_code === 404) {
        await stores.bots.update(bot.id, {
          status: 'error',
          status_detail: `Telegram rejected this token: ${reply.description}`,
        });
        return;
      } else if (reply.error_code === 429 && reply.parameters?.retry_after !== undefined) {
        await pause(reply.parameters.retry_after * 1000);
      } else await backoff();
    }
  };

  const done = loop().catch((err) =>
    console.error(`telegram bot ${bot.id}: polling stopped:`, err),
  );
  return {
    /** Stops polling; resolves when the loop has finished its current update. */
    async stop() {
      controller.abort();
      await done;
    },
  };
}
export type Poller = ReturnType<typeof startPoller>;
