import type { Bot, BotType } from '../bots/schemas.js';
import { sandboxLinks } from './sandbox/links.js';
import { telegramLinks } from './telegram/links.js';
import type { DeepLinks } from './types.js';
import { whatsappLinks } from './whatsapp/links.js';

/**
 * Viber and VK until their adapters arrive: the bot's name holds the chat URI or the
 * community's screen name.
 * - Viber: `viber://pa?chatURI=<uri>&context=<token>`; the token arrives as `context` of the
 *   conversation_started event. https://developers.viber.com/docs/tools/deep-links/
 * - VK: `https://vk.me/<screen name>?ref=<token>`; the token arrives as `ref` of the first
 *   message.
 */
const byName = (link: (name: string, token: string) => string): DeepLinks => ({
  link: (bot, _url, token) =>
    link(encodeURIComponent(bot.name), token === undefined ? '' : encodeURIComponent(token)),
  handle: (bot) => bot.name,
});

const LINKS: Partial<Record<BotType, DeepLinks>> = {
  telegram: telegramLinks,
  whatsapp: whatsappLinks,
  sandbox: sandboxLinks,
  viber: byName((uri, t) => `viber://pa?chatURI=${uri}${t ? `&context=${t}` : ''}`),
  vk: byName((name, t) => `https://vk.me/${name}${t ? `?ref=${t}` : ''}`),
};

/**
 * The deep link that opens a shop's bot in its messenger with an opt-in token the bot
 * receives on the person's first message (or the bot's plain address without one); null
 * when the bot cannot have a link (see each messenger's links.ts).
 */
export const botLink = (bot: Bot, publicUrl: string, token?: string): string | null =>
  LINKS[bot.bot_type]?.link(bot, publicUrl, token) ?? null;

/** The handle a visitor would recognise, for the widget's button. */
export const botHandle = (bot: Bot): string | null => LINKS[bot.bot_type]?.handle(bot) ?? null;
