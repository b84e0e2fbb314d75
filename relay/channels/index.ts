import type { Hono } from 'hono';
import { idleChannels, type ChannelLifecycle } from '../bots/lifecycle.js';
import type { BotType } from '../bots/schemas.js';
import type { Deps } from '../deps.js';
import { createInbound } from './inbound.js';
import { createSandboxMessenger } from './sandbox/messenger.js';
import { plainMessenger } from './setup.js';
import { createTelegramMessenger } from './telegram/messenger.js';
import type { Messenger } from './types.js';
import { createWhatsAppMessenger } from './whatsapp/messenger.js';

export type ChannelOptions = {
  /** getUpdates timeout in seconds (tests shorten it). */
  pollTimeoutS?: number;
  /**
   * False: bots are never connected (no webhook registration, no polling loop), for an app
   * built without a relay process around it to stop them (createApp on its own).
   */
  connect?: boolean;
  /** The worker's send timeout: an adapter's later requests of one delivery get this long. */
  sendTimeoutMs?: number;
};

/**
 * The messenger side of one relay: every messenger behind the one interface
 * (relay/channels/types.ts), the inbound handlers they all feed, and what the rest of the
 * relay asks of them — the bots API (check and connect a bot), the worker (the adapters),
 * the HTTP routes messengers call. The sandbox exists in demo mode only.
 */
export function createChannels(
  deps: Deps,
  { pollTimeoutS, connect = true, sendTimeoutMs }: ChannelOptions = {},
) {
  const inbound = createInbound(deps);
  const telegram = createTelegramMessenger(deps, { inbound, pollTimeoutS, sendTimeoutMs });
  const messengers: Messenger[] = [
    telegram,
    createWhatsAppMessenger(deps, { inbound, sendTimeoutMs }),
    ...(deps.config.demo ? [createSandboxMessenger(deps, { inbound })] : []),
  ];
  const byType = new Map(messengers.map((m) => [m.type, m]));
  /** A bot type's messenger; one that connects nothing for types without one yet. */
  const messenger = (type: BotType): Messenger => byType.get(type) ?? plainMessenger(type);

  /** What the bots API calls when a bot starts or stops (relay/bots/lifecycle.ts). */
  const lifecycle: ChannelLifecycle = connect
    ? {
        start: async (bot) => messenger(bot.bot_type).start?.(bot),
        stop: async (bot) => messenger(bot.bot_type).stop?.(bot),
      }
    : idleChannels;

  return {
    inbound,
    lifecycle,
    messenger,
    /** Telegram's connections (which bots poll), for tests and the status page. */
    telegram: telegram.lifecycle,
    /** Every messenger's sending adapter, for the delivery worker. */
    adapters: messengers.flatMap((m) => (m.adapter ? [m.adapter] : [])),
    /** At relay start: connect every active bot. */
    startAll: async () => {
      if (connect) for (const m of messengers) await m.startAll?.();
    },
    /** At relay stop: end polling loops (webhooks stay registered). */
    stopAll: async () => {
      for (const m of messengers) await m.stopAll?.();
    },
    /** The messengers' webhook endpoints; in demo mode the sandbox inbox and its API. */
    mount(app: Hono<any>) {
      for (const m of messengers) if (m.routes) app.route('/', m.routes());
    },
  };
}
export type Channels = ReturnType<typeof createChannels>;
