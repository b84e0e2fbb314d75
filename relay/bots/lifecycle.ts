import type { BotType } from './schemas.js';

/** What the lifecycle hooks are told about a bot; its credential is read from the store. */
export type BotRef = { id: number; shop_id: number; bot_type: BotType };

/**
 * The seam between the bots API and the messenger connections. The routes call `start`
 * when a bot becomes active (created, restarted, token changed) and `stop` when it is
 * stopped or before it is deleted.
 *
 * relay/channels/index.ts implements it (Telegram `setWebhook` when TOUCHPOINT_PUBLIC_URL is
 * set, otherwise a `getUpdates` long-poll loop); `idleChannels` connects nothing.
 */
export type ChannelLifecycle = {
  start(bot: BotRef): Promise<void>;
  stop(bot: BotRef): Promise<void>;
};

export const idleChannels: ChannelLifecycle = {
  async start() {},
  async stop() {},
};
