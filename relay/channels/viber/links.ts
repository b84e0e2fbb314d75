import type { DeepLinks } from '../types.js';
import { storedViberSettings, VIBER_URI } from './settings.js';

const uriOf = (settings: Record<string, unknown>) => {
  const uri = storedViberSettings(settings).uri;
  return uri && VIBER_URI.test(uri) ? uri : null;
};

/**
 * `viber://pa?chatURI=<uri>&context=<token>`: Viber opens the bot's chat and sends a
 * `conversation_started` event carrying the token as `context` (relay/channels/viber/updates.ts).
 * No link while the URI is unknown. https://developers.viber.com/docs/tools/deep-links/
 */
export const viberLinks: DeepLinks = {
  label: 'Viber',
  /** A speech bubble with a handset. */
  mark: 'M5 3h14q3 0 3 3v9q0 3-3 3h-8l-4 4v-4H5q-3 0-3-3V6q0-3 3-3zm3 4c0 5 4 9 9 9v-3l-3-1-1 1-3-3 1-1-1-3z',
  link(bot, _url, token) {
    const uri = uriOf(bot.settings);
    if (!uri) return null;
    return `viber://pa?chatURI=${encodeURIComponent(uri)}${token ? `&context=${encodeURIComponent(token)}` : ''}`;
  },
  handle: (bot) => uriOf(bot.settings),
};
