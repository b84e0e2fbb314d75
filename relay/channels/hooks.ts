import { createHash, timingSafeEqual } from 'node:crypto';
import type { BotType } from '../bots/schemas.js';
import type { Deps } from '../deps.js';

/** Constant-time comparison of two secrets of any length (their SHA-256 digests are compared). */
export const sameSecret = (a: string, b: string) =>
  timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());

/**
 * The bot a messenger's webhook path names (`/hooks/<type>/:bot_id`) with its token and
 * credentials opened, when it is a bot of that messenger; null for any other id, so that an
 * unknown, deleted or other-type bot is refused exactly like a wrong signature.
 */
export async function hookBot({ stores }: Pick<Deps, 'stores'>, raw: string, type: BotType) {
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id <= 0) return null;
  const found = await stores.bots.withSecrets(id);
  return found && found.bot.bot_type === type ? found : null;
}
