import type { PostgresDatabase } from './postgres.js';
import type { Database } from './sql.js';

/**
 * Session advisory lock keys (single bigint keys; bot ownership uses two-key locks, another
 * space: relay/cluster/ownership.ts). Any numbers, as long as every Touchpoint uses the same.
 */
export const LOCKS = {
  /** relay/db/migrate-pg.ts holds 7_406_110_001 in its transaction. */
  startup: 7_406_110_002,
} as const;

/**
 * Runs `fn` while no other relay on the same PostgreSQL database runs its own under `key`:
 * start-up work (sealing stored secrets, the admin user, the demo seed) happens once when
 * several relays start together — the first does it, the others wait and find it done. The
 * lock is held on a connection of its own for as long as `fn` runs (`fn` may run many
 * transactions). SQLite has one relay: `fn` just runs.
 */
export async function exclusively<T>(db: Database, key: number, fn: () => Promise<T>): Promise<T> {
  if (db.engine !== 'postgres') return fn();
  const client = await (db as PostgresDatabase).pool.connect();
  let unlocked = false;
  try {
    await client.query('SELECT pg_advisory_lock($1)', [key]);
    try {
      return await fn();
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [key]);
      unlocked = true;
    }
  } finally {
    // A connection that could not unlock may still hold the lock: the pool drops it.
    client.release(!unlocked);
  }
}
