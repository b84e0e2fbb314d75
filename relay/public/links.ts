import type { Bot } from '../bots/schemas.js';

/**
 * Deep links that open a shop's bot in its messenger, with an opt-in token the bot receives
 * on the first message. null when the bot cannot have a link yet (a Telegram bot whose
 * username is unknown, a WhatsApp bot whose name holds no phone number).
 *
 * - Telegram: `https://t.me/<username>?start=<token>`; the bot gets `/start <token>`.
 *   https://core.telegram.org/bots/features#deep-linking
 * - WhatsApp: `https://wa.me/<phone>?text=<token>` (the bot's name holds its number in
 *   international format); the visitor sends the token as the first message.
 *   https://faq.whatsapp.com/5913398998672934
 * - Viber: `viber://pa?chatURI=<uri>&context=<token>` (the bot's name is its chat URI);
 *   the token arrives as `context` of the conversation_started event.
 *   https://developers.viber.com/docs/tools/deep-links/
 * - VK: `https://vk.me/<screen name>?ref=<token>` (the bot's name is the community's
 *   screen name); the token arrives as `ref` of the first message.
 * - sandbox: the demo inbox of this relay, `<public URL>/demo/inbox/?bot=<id>&start=<token>`.
 */
export function botLink(bot: Bot, publicUrl: string, token?: string): string | null {
  const t = token === undefined ? '' : encodeURIComponent(token);
  switch (bot.bot_type) {
    case 'telegram':
      return bot.tg_bot_nickname
        ? `https://t.me/${encodeURIComponent(bot.tg_bot_nickname)}${t ? `?start=${t}` : ''}`
        : null;
    case 'whatsapp': {
      const phone = whatsappNumber(bot.name);
      return phone ? `https://wa.me/${phone}${t ? `?text=${t}` : ''}` : null;
    }
    case 'viber':
      return `viber://pa?chatURI=${encodeURIComponent(bot.name)}${t ? `&context=${t}` : ''}`;
    case 'vk':
      return `https://vk.me/${encodeURIComponent(bot.name)}${t ? `?ref=${t}` : ''}`;
    case 'sandbox':
      return `${publicUrl}/demo/inbox/?bot=${bot.id}${t ? `&start=${t}` : ''}`;
    default:
      return null;
  }
}

/** The handle a visitor would recognise, for the widget's button. */
export function botNickname(bot: Bot): string | null {
  switch (bot.bot_type) {
    case 'telegram':
      return bot.tg_bot_nickname;
    case 'whatsapp':
      return whatsappNumber(bot.name);
    case 'viber':
    case 'vk':
      return bot.name;
    default:
      return null;
  }
}

/** wa.me wants the full number, digits only: 7–15 digits (E.164 allows at most 15). */
function whatsappNumber(name: string): string | null {
  const digits = name.replace(/[\s()+.-]/g, '');
  return /^[1-9][0-9]{6,14}$/.test(digits) ? digits : null;
}
