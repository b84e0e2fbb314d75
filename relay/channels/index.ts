import type { Hono } from 'hono';
import { idleChannels, type BotRef, type ChannelLifecycle } from '../bots/lifecycle.js';
import type { BotType } from '../bots/schemas.js';
import { OWNED_TYPES, type Connector, type Ownership } from '../cluster/ownership.js';
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
  /**
   * PostgreSQL: which relay connects which bot (relay/cluster/ownership.ts); absent, this
   * relay connects every bot (SQLite: one relay).
   */
  ownership?: Ownership;
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
  { pollTimeoutS, connect = true, ownership, sendTimeoutMs }: ChannelOptions = {},
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

  const owned = (type: BotType) => (OWNED_TYPES as readonly string[]).includes(type);
  /** Messengers whose bots this relay connects itself (all of them, without a cluster). */
  const unowned = messengers.filter((m) => !ownership || !owned(m.type));
  /**
   * What the bots API calls when a bot starts or stops (relay/bots/lifecycle.ts). With
   * several relays a messenger bot's owner connects it: this relay if it owns it (or should),
   * the owner elsewhere when told.
   */
  const lifecycle: ChannelLifecycle = !connect
    ? idleChannels
    : {
        start: async (bot) => {
          if (ownership && owned(bot.bot_type)) await ownership.restart(bot.id);
          else await messenger(bot.bot_type).start?.(bot);
        },
        stop: async (bot) => {
          if (ownership && owned(bot.bot_type)) await ownership.stop(bot);
          else await messenger(bot.bot_type).stop?.(bot);
        },
      };
  /** How the cluster connects the bots it gives this relay (relay/cluster/ownership.ts). */
  const connector: Connector = {
    connect: async (bot: BotRef) => messenger(bot.bot_type).start?.(bot),
    release: async (bot: BotRef) => {
      const m = messenger(bot.bot_type);
      await (m.release ?? m.stop)?.(bot);
    },
    disconnect: async (bot: BotRef) => messenger(bot.bot_type).stop?.(bot),
  };

  return {
    inbound,
    lifecycle,
    messenger,
    connector,
    /** Telegram's connections (which bots poll), for tests and the status page. */
    telegram: telegram.lifecycle,
    /** Every messenger's sending adapter, for the delivery worker. */
    adapters: messengers.flatMap((m) => (m.adapter ? [m.adapter] : [])),
    /**
     * At relay start: connect every active bot (with several relays, the cluster connects
     * this relay's share of the messenger bots; again after stopAll).
     */
    startAll: async () => {
      if (!connect) return;
      if (ownership) await ownership.start();
      for (const m of unowned) await m.startAll?.();
    },
    /** At relay stop: end polling loops (webhooks stay registered). */
    stopAll: async () => {
      if (ownership) await ownership.disconnectAll();
      for (const m of unowned) await m.stopAll?.();
    },
    /** The messengers' webhook endpoints; in demo mode the sandbox inbox and its API. */
    mount(app: Hono<any>) {
      for (const m of messengers) if (m.routes) app.route('/', m.routes());
    },
  };
}
export type Channels = ReturnType<typeof createChannels>;
