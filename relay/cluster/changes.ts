import { runSafely } from '../db/sql.js';

/**
 * What a committed write changed that other parts must hear of:
 * - `shop`: what the public API caches about the shop (relay/public/cache.ts) — its keys,
 *   forms, settings or bots;
 * - `bot`: a bot's row (token, status, deleted), for the relay that owns its connection
 *   (relay/cluster/ownership.ts); `null` when bots went without a row of their own to say so
 *   (a shop was deleted with its bots);
 * - `all`: anything may have changed (this relay may have missed notifications while its
 *   database session reconnected): forget every cached thing.
 * - `events`: the shop event log gained rows (relay/events/log.ts): event streams read it now
 *   instead of at their next poll.
 */
export type Change = { shop: number } | { bot: number | null } | { all: true } | { events: true };

/** `local`: written by this relay; `remote`: another relay said so (relay/cluster/broadcast.ts). */
export type ChangeListener = (change: Change, origin: 'local' | 'remote') => void;

/**
 * The relay's feed of changes, told by the stores after a management write has committed
 * (never inside a transaction: a listener may read the database and must see the write).
 * Listeners run at once, in this process; on PostgreSQL the broadcast also tells the other
 * relays, which feed it into their own feed as `remote`.
 */
export function createChangeFeed() {
  const listeners = new Set<ChangeListener>();
  const emit = (change: Change, origin: 'local' | 'remote' = 'local') => {
    for (const listener of listeners) runSafely(() => listener(change, origin));
  };
  return {
    emit,
    shop: (shopId: number) => emit({ shop: shopId }),
    bot: (botId: number | null) => emit({ bot: botId }),
    /** Returns a function that removes the listener. */
    on(listener: ChangeListener): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
export type ChangeFeed = ReturnType<typeof createChangeFeed>;
