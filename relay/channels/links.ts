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
const byName = (
  face: Pick<DeepLinks, 'label' | 'mark'>,
  link: (name: string, token: string) => string,
): DeepLinks => ({
  ...face,
  link: (bot, _url, token) =>
    link(encodeURIComponent(bot.name), token === undefined ? '' : encodeURIComponent(token)),
  handle: (bot) => bot.name,
});

const LINKS: Partial<Record<BotType, DeepLinks>> = {
  telegram: telegramLinks,
  whatsapp: whatsappLinks,
  sandbox: sandboxLinks,
  viber: byName(
    {
      label: 'Viber',
      // A rounded speech bubble with WhatsApp's handset.
      mark: 'M5 3h14q3 0 3 3v9q0 3-3 3h-8l-4 4v-4H5q-3 0-3-3V6q0-3 3-3zm3 4c0 5 4 9 9 9v-3l-3-1-1 1-3-3 1-1-1-3z',
    },
    (uri, t) => `viber://pa?chatURI=${uri}${t ? `&context=${t}` : ''}`,
  ),
  vk: byName(
    { label: 'VK', mark: 'M1 6h3l3 9 3-9h3l-5 12h-2zm14 0h3v5l3-5h3l-4 6 4 6h-3l-3-5v5h-3z' },
    (name, t) => `https://vk.me/${name}${t ? `?ref=${t}` : ''}`,
  ),
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
