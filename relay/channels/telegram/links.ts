import type { DeepLinks } from '../types.js';

/**
 * `https://t.me/<username>?start=<token>`: the bot gets `/start <token>`. No link while the
 * username is unknown (getMe has not answered).
 * https://core.telegram.org/bots/features#deep-linking
 */
export const telegramLinks: DeepLinks = {
  label: 'Telegram',
  /** A paper plane. */
  mark: 'M2 11 22 3l-4 18-6-4-3 4v-5l9-8-11 7z',
  link: (bot, _url, token) =>
    bot.tg_bot_nickname
      ? `https://t.me/${encodeURIComponent(bot.tg_bot_nickname)}${token ? `?start=${encodeURIComponent(token)}` : ''}`
      : null,
  handle: (bot) => bot.tg_bot_nickname,
};
