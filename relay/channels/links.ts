import type { Bot, BotType } from '../bots/schemas.js';
import { sandboxLinks } from './sandbox/links.js';
import { telegramLinks } from './telegram/links.js';
import { viberLinks } from './viber/links.js';
import { vkLinks } from './vk/links.js';
import type { DeepLinks } from './types.js';
import { whatsappLinks } from './whatsapp/links.js';

const LINKS: Partial<Record<BotType, DeepLinks>> = {
  telegram: telegramLinks,
  whatsapp: whatsappLinks,
  sandbox: sandboxLinks,
  viber: viberLinks,
  vk: vkLinks,
};

/** How the widget shows a bot's messenger: its name (or the bot's), mark and handle. */
export const botFace = (bot: Bot): Partial<DeepLinks> => LINKS[bot.bot_type] ?? {};

/**
 * The deep link that opens a shop's bot in its messenger with an opt-in token the bot
 * receives on the person's first message (or the bot's plain address without one); null
 * when the bot cannot have a link (see each messenger's links.ts).
 */
export const botLink = (bot: Bot, publicUrl: string, token?: string): string | null =>
  LINKS[bot.bot_type]?.link(bot, publicUrl, token) ?? null;

/** The deep link for a desktop browser (WhatsApp Web), when the messenger has one. */
export const botWebLink = (bot: Bot, token: string): string | null =>
  LINKS[bot.bot_type]?.webLink?.(bot, token) ?? null;

/** The handle a visitor would recognise, for the widget's button. */
export const botHandle = (bot: Bot): string | null => LINKS[bot.bot_type]?.handle(bot) ?? null;
