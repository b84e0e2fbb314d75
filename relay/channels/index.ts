import type { Hono } from 'hono';
import { idleChannels, type BotRef, type ChannelLifecycle } from '../bots/lifecycle.js';
import { OWNED_TYPES, type Ownership } from '../cluster/ownership.js';
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
  /**
   * PostgreSQL: which relay connects which bot (relay/cluster/ownership.ts); absent, this
   * relay connects every bot (SQLite: one relay).
   */
  ownership?: Ownership;
};

/**
 * The messenger side of one relay: the inbound handlers every messenger feeds, the bots'
 * connections (Telegram webhooks or long polling), and the HTTP routes messengers call.
 * Sending is the adapters' job (relay/delivery/adapters).
 */
export function createChannels(
  deps: Deps,
  { pollTimeoutS, connect = true, ownership }: ChannelOptions = {},
) {
  const api = createTelegramApi(deps.config.telegramApiUrl, deps.outbound);
  const inbound = createInbound(deps);
  const handleTelegram = (bot: BotRef, token: string, update: unknown) =>
    handleTelegramUpdate(update, { bot, token, inbound, api });
  const telegram = createTelegramLifecycle(deps, { api, handle: handleTelegram, pollTimeoutS });

  const owned = (bot: BotRef) => (OWNED_TYPES as readonly string[]).includes(bot.bot_type);
  /**
   * What the bots API calls when a bot starts or stops (relay/bots/lifecycle.ts). With
   * several relays the bot's owner connects it: this relay if it owns it (or should), the
   * owner elsewhere when told.
   */
  const lifecycle: ChannelLifecycle = !connect
    ? idleChannels
    : ownership
      ? {
          start: async (bot) => {
            if (owned(bot)) await ownership.restart(bot.id);
          },
          stop: async (bot) => {
            if (owned(bot)) await ownership.stop(bot);
          },
        }
      : { start: (bot) => telegram.start(bot), stop: (bot) => telegram.stop(bot) };

  return {
    inbound,
    lifecycle,
    telegram,
    /** At relay start: connect every active bot (with several relays, the cluster does). */
    startAll: async () => {
      if (!connect) return;
      // With several relays the cluster connects this relay's share (again after stopAll).
      if (ownership) await ownership.start();
      else await telegram.startAll();
    },
    /** At relay stop: end polling loops (webhooks stay registered). */
    stopAll: () => (ownership ? ownership.disconnectAll() : telegram.stopAll()),
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
