import { randomBytes } from 'node:crypto';
import { hashToken } from '../../auth/secrets.js';
import type { BotRef } from '../../bots/lifecycle.js';
import type { Deps } from '../../deps.js';
import type { TelegramApi } from './api.js';
import { startPoller, type Poller } from './poller.js';
import { ALLOWED_UPDATES } from './updates.js';

export type TelegramLifecycleOptions = {
  api: TelegramApi;
  handle: (bot: BotRef, token: string, update: unknown) => Promise<void>;
  /** getUpdates timeout in seconds (tests shorten it). */
  pollTimeoutS?: number;
};

/**
 * Connects Telegram bots to the relay. With an explicit TOUCHPOINT_PUBLIC_URL: `setWebhook`
 * to `<public URL>/hooks/telegram/<bot id>` with a fresh random `secret_token` per start
 * (only its SHA-256 is kept, in bots.webhook_secret_hash). Without one: a long-polling loop
 * per bot. Failures show on the bot as status `error` with a sentence in status_detail.
 * https://core.telegram.org/bots/api#setwebhook
 */
export function createTelegramLifecycle(
  { stores, config }: Pick<Deps, 'stores' | 'config'>,
  { api, handle, pollTimeoutS }: TelegramLifecycleOptions,
) {
  const pollers = new Map<number, Poller>();

  const fail = (bot: BotRef, detail: string) =>
    stores.bots.update(bot.id, { status: 'error', status_detail: detail });

  const stopPolling = async (botId: number) => {
    const poller = pollers.get(botId);
    pollers.delete(botId);
    await poller?.stop();
  };

  async function registerWebhook(bot: BotRef, token: string) {
    // 256 random bits in Telegram's alphabet for secret_token: A-Z, a-z, 0-9, _ and -.
    const secret = randomBytes(32).toString('base64url');
    // Stored before the call: Telegram may deliver the first update before it answers.
    await stores.bots.setWebhookSecretHash(bot.id, hashToken(secret));
    try {
      const reply = await api.call(
        token,
        'setWebhook',
        {
          url: `${config.publicUrl}/hooks/telegram/${bot.id}`,
          secret_token: secret,
          allowed_updates: ALLOWED_UPDATES,
        },
        AbortSignal.timeout(10_000),
      );
      if (!reply.ok) await fail(bot, `Telegram refused the webhook: ${reply.description}`);
    } catch {
      await fail(bot, 'Could not reach Telegram to register the webhook.');
    }
  }

  return {
    /** Connects a bot (created, restarted, new token). Other messengers need nothing here. */
    async start(bot: BotRef): Promise<void> {
      if (bot.bot_type !== 'telegram') return;
      await stopPolling(bot.id);
      const token = await stores.bots.credential(bot.id);
      if (!token) return;
      if (config.publicUrlExplicit) return registerWebhook(bot, token);
      pollers.set(
        bot.id,
        startPoller(bot, token, {
          api,
          stores,
          handle: (update) => handle(bot, token, update),
          timeoutS: pollTimeoutS,
        }),
      );
    },

    /** Disconnects a bot (stopped or about to be deleted): no more updates are accepted. */
    async stop(bot: BotRef): Promise<void> {
      if (bot.bot_type !== 'telegram') return;
      await stopPolling(bot.id);
      if (!config.publicUrlExplicit) return;
      await stores.bots.setWebhookSecretHash(bot.id, null);
      const token = await stores.bots.credential(bot.id);
      if (token)
        await api.call(token, 'deleteWebhook', {}, AbortSignal.timeout(10_000)).catch(() => {});
    },

    /**
     * Stops long polling and leaves the webhook registered: another relay now owns the bot
     * (relay/cluster/ownership.ts) and goes on where this one stopped.
     */
    async release(bot: BotRef): Promise<void> {
      if (bot.bot_type === 'telegram') await stopPolling(bot.id);
    },

    /** At relay start: connects every active Telegram bot. */
    async startAll(): Promise<void> {
      for (const bot of await stores.bots.active('telegram')) await this.start(bot);
    },

    /**
     * At relay stop: ends the polling loops. Webhooks stay registered, so Telegram keeps the
     * updates until the relay is back.
     */
    async stopAll(): Promise<void> {
      await Promise.all([...pollers.keys()].map(stopPolling));
    },

    /** Bots with a polling loop (for tests and the status page). */
    polling: () => [...pollers.keys()],
  };
}
export type TelegramLifecycle = ReturnType<typeof createTelegramLifecycle>;
