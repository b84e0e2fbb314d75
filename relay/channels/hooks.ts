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

/** A receipt for a message whose send is not recorded yet: applied again shortly. */
export type LateReceipt = () => Promise<'moved' | 'same' | 'unknown'>;

/** A receipt without its send is tried again after these delays, then dropped. */
const LATE_RECEIPT_DELAYS_MS = [500, 2_000, 8_000];

/**
 * Receipts that arrive before their message's send is recorded — the messenger may report
 * "delivered" before the worker has written down the id its send was answered with — are
 * applied again a few times, then dropped (at most 10,000 waiting).
 */
export function createLateReceipts() {
  const pending = new Set<NodeJS.Timeout>();
  const retryLater = (apply: LateReceipt, attempt = 0) => {
    const delay = LATE_RECEIPT_DELAYS_MS[attempt];
    if (delay === undefined || pending.size > 10_000) return;
    const timer = setTimeout(async () => {
      pending.delete(timer);
      const outcome = await apply().catch(() => 'unknown' as const);
      if (outcome === 'unknown') retryLater(apply, attempt + 1);
    }, delay);
    timer.unref();
    pending.add(timer);
  };
  return (apply: LateReceipt) => retryLater(apply);
}
