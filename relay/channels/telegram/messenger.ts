import { checkTelegramToken, describeCheck, requireTelegramToken } from '../../bots/telegram.js';
import type { BotRef } from '../../bots/lifecycle.js';
import type { Deps } from '../../deps.js';
import { invalidField } from '../../http/errors.js';
import type { Inbound } from '../inbound.js';
import { noSettings } from '../setup.js';
import { createSendGuard } from '../send-guard.js';
import type { Messenger } from '../types.js';
import { createTelegramAdapter } from './adapter.js';
import { createTelegramApi } from './api.js';
import { telegramHookRoutes } from './hooks.js';
import { createTelegramLifecycle } from './lifecycle.js';
import { handleTelegramUpdate } from './updates.js';

export type TelegramOptions = {
  inbound: Inbound;
  /** getUpdates timeout in seconds (tests shorten it). */
  pollTimeoutS?: number;
  /** The worker's send timeout: each later part of a long message gets this long. */
  sendTimeoutMs?: number;
};

/**
 * Telegram through the Bot API (`TELEGRAM_API_URL`): a bot is its @BotFather token, checked
 * with getMe; updates arrive by webhook (with TOUCHPOINT_PUBLIC_URL) or long polling; sends
 * are paced to Telegram's flood limits. https://core.telegram.org/bots/api
 */
export function createTelegramMessenger(deps: Deps, opts: TelegramOptions) {
  const api = createTelegramApi(deps.config.telegramApiUrl, deps.outbound);
  const handle = (bot: BotRef, token: string, update: unknown) =>
    handleTelegramUpdate(update, { bot, token, inbound: opts.inbound, api });
  const lifecycle = createTelegramLifecycle(deps, { api, handle, pollTimeoutS: opts.pollTimeoutS });

  const messenger: Messenger = {
    type: 'telegram',
    async setup({ token, settings, credentials, current }) {
      noSettings('telegram', settings, credentials);
      if (!token)
        throw invalidField(
          'token',
          current ? 'Telegram bots need a token.' : 'Telegram bots need a token from @BotFather.',
        );
      return { settings: {}, credentials: {}, nickname: await requireTelegramToken(api, token) };
    },
    async verify(bot) {
      const token = await deps.stores.bots.credential(bot.id);
      const check = token
        ? await checkTelegramToken(api, token)
        : ({ ok: false, reason: 'rejected', description: 'No token' } as const);
      return check.ok
        ? { ok: true, nickname: check.username }
        : { ok: false, detail: describeCheck(check) };
    },
    adapter: createTelegramAdapter(deps, {
      api,
      guard: createSendGuard(),
      requestTimeoutMs: opts.sendTimeoutMs,
      // Alert buttons link to the console by a relative path, made absolute when sent.
      publicUrl: deps.config.publicUrl,
    }),
    start: (bot) => lifecycle.start(bot),
    stop: (bot) => lifecycle.stop(bot),
    release: (bot) => lifecycle.release(bot),
    startAll: () => lifecycle.startAll(),
    stopAll: () => lifecycle.stopAll(),
    routes: () => telegramHookRoutes(deps, handle),
  };
  return Object.assign(messenger, { lifecycle });
}
