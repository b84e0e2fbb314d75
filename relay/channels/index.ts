import type { Hono } from 'hono';
import { idleChannels, type BotRef, type ChannelLifecycle } from '../bots/lifecycle.js';
import type { Deps } from '../deps.js';
import { createInbound } from './inbound.js';
import { sandboxInboxRoutes } from './sandbox/inbox.js';
import { sandboxPageRoutes } from './sandbox/page.js';
import { createTelegramApi } from './telegram/api.js';
import { telegramHookRoutes } from './telegram/hooks.js';
import { createTelegramLifecycle } from './telegram/lifecycle.js';
import { handleTelegramUpdate } from './telegram/updates.js';

export type ChannelOptions = {
  /** getUpdates timeout in seconds (tests shorten it). */
  pollTimeoutS?: number;
  /**
   * False: bots are never connected (no webhook registration, no polling loop), for an app
   * built without a relay process around it to stop them (createApp on its own).
   */
  connect?: boolean;
};

/**
 * The messenger side of one relay: the inbound handlers every messenger feeds, the bots'
 * connections (Telegram webhooks or long polling), and the HTTP routes messengers call.
 * Sending is the adapters' job (relay/delivery/adapters).
 */
export function createChannels(deps: Deps, { pollTimeoutS, connect = true }: ChannelOptions = {}) {
  const api = createTelegramApi(deps.config.telegramApiUrl, deps.outbound);
  const inbound = createInbound(deps);
  const handleTelegram = (bot: BotRef, token: string, update: unknown) =>
    handleTelegramUpdate(update, { bot, token, inbound, api });
  const telegram = createTelegramLifecycle(deps, { api, handle: handleTelegram, pollTimeoutS });

  /** What the bots API calls when a bot starts or stops (relay/bots/lifecycle.ts). */
  const lifecycle: ChannelLifecycle = connect
    ? { start: (bot) => telegram.start(bot), stop: (bot) => telegram.stop(bot) }
    : idleChannels;

  return {
    inbound,
    lifecycle,
    telegram,
    /** At relay start: connect every active bot. */
    startAll: async () => {
      if (connect) await telegram.startAll();
    },
    /** At relay stop: end polling loops (webhooks stay registered). */
    stopAll: () => telegram.stopAll(),
    /** Telegram's webhook endpoint; in demo mode the sandbox inbox and its API. */
    mount(app: Hono<any>) {
      app.route('/', telegramHookRoutes(deps, handleTelegram));
      if (deps.config.demo) {
        app.route('/demo/inbox/api', sandboxInboxRoutes(deps, inbound));
        app.route('/', sandboxPageRoutes());
      }
    },
  };
}
export type Channels = ReturnType<typeof createChannels>;
