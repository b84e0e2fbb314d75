import type { DeepLinks } from '../types.js';

/**
 * `https://t.me/<username>?start=<token>`: the bot gets `/start <token>`. No link while the
 * username is unknown (getMe has not answered).
 * https://core.telegram.org/bots/features#deep-linking
 */
export const telegramLinks: DeepLinks = {
  link: (bot, _url, token) =>
    bot.tg_bot_nickname
      ? `https://t.me/${encodeURIComponent(bot.tg_bot_nickname)}${token ? `?start=${encodeURIComponent(token)}` : ''}`
      : null,
  handle: (bot) => bot.tg_bot_nickname,
};
