import type { DeepLinks } from '../types.js';
import { storedVkSettings, VK_SCREEN_NAME } from './settings.js';

const screenNameOf = (settings: Record<string, unknown>) => {
  const name = storedVkSettings(settings).screen_name;
  return name && VK_SCREEN_NAME.test(name) ? name : null;
};

/**
 * `https://vk.me/<screen name>?ref=<token>`: VK opens the community's chat, and the person's
 * first message carries the token as `ref` (relay/channels/vk/updates.ts). No link while the
 * screen name is unknown. https://dev.vk.com/en/api/bots/development/messages
 */
export const vkLinks: DeepLinks = {
  label: 'VK',
  mark: 'M1 6h3l3 9 3-9h3l-5 12h-2zm14 0h3v5l3-5h3l-4 6 4 6h-3l-3-5v5h-3z',
  link(bot, _url, token) {
    const name = screenNameOf(bot.settings);
    if (!name) return null;
    return `https://vk.me/${encodeURIComponent(name)}${token ? `?ref=${encodeURIComponent(token)}` : ''}`;
  },
  handle: (bot) => screenNameOf(bot.settings),
};
