import type { DeepLinks } from '../types.js';

/** The demo inbox of this relay: `<public URL>/demo/inbox/?bot=<id>&start=<token>`. */
export const sandboxLinks: DeepLinks = {
  link: (bot, publicUrl, token) =>
    `${publicUrl}/demo/inbox/?bot=${bot.id}${token ? `&start=${encodeURIComponent(token)}` : ''}`,
  handle: () => null,
};
