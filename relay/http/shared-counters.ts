import { pgAfterMs } from '../db/dialect.js';
import { sql, type Database } from '../db/sql.js';
import { createWindowLimiter, type WindowHit } from './rate-limit.js';

/**
 * Counts in fixed windows, one per key, answering atomically: the public limits per address
 * and per key, and the login throttle (relay/auth/throttle.ts) count through this.
 */
export type AttemptCounter = {
  /** Counts one attempt and answers the window's count including it. */
  add(key: string): Promise<{ count: number; retryAfterMs: number }>;
  /** Takes one attempt back. */
  remove(key: string): Promise<void>;
  count(key: string): Promise<number>;
  clear(key: string): Promise<void>;
};

/** In this process's memory: SQLite's one relay. */
export function memoryCounter(windowMs: number, now?: () => number): AttemptCounter {
  // The limiter's own limit is unused: callers compare counts with theirs.
  const w = createWindowLimiter({ limit: Number.MAX_SAFE_INTEGER, windowMs, now });
  return {
    async add(key) {
      const hit = w.hit(key);
      return { count: w.count(key), retryAfterMs: hit.retryAfterMs };
    },
    async remove(key) {
      w.undo(key);
    },
    async count(key) {
      return w.count(key);
    },
    async clear(key) {
      w.reset(key);
    },
  };
}

// PostgreSQL only (relays sharing a database). One row per key and window; a window that has
// ended starts over in the same statement, so concurrent relays never lose a count. Windows
// end by the database's clock, the one all relays share.
const q = {
  add: sql<{ key: string; window_ms: number }, { count: number; retry_ms: number }>(
    `INSERT INTO rate_counters AS c (key, count, reset_at)
     VALUES (@key, 1, ${pgAfterMs('@window_ms')})
     ON CONFLICT (key) DO UPDATE SET
       count = CASE WHEN c.reset_at <= now() THEN 1 ELSE c.count + 1 END,
       reset_at = CASE WHEN c.reset_at <= now() THEN excluded.reset_at ELSE c.reset_at END
     RETURNING count, ceil(extract(epoch FROM reset_at - now()) * 1000) AS retry_ms`,
  ),
  remove: sql<[string], never>(
    `UPDATE rate_counters SET count = count - 1 WHERE key = ? AND count > 0 AND reset_at > now()`,
  ),
  count: sql<[string], { count: number }>(
    `SELECT count FROM rate_counters WHERE key = ? AND reset_at > now()`,
  ),
  clear: sql<[string], never>(`DELETE FROM rate_counters WHERE key = ?`),
  purge: sql<undefined, never>(`DELETE FROM rate_counters WHERE reset_at < now()`),
};

/**
 * In the database's `rate_counters` table, shared by every relay on it: `name` keeps one
 * limit's keys apart from another's. Each count is one round trip (`INSERT … ON CONFLICT DO
 * UPDATE … RETURNING`): exact across relays, no overshoot.
 */
export function databaseCounter(db: Database, name: string, windowMs: number): AttemptCounter {
  const k = (key: string) => `${name}\n${key}`;
  return {
    async add(key) {
      const row = (await db.get(q.add, { key: k(key), window_ms: windowMs }))!;
      return { count: row.count, retryAfterMs: Math.max(0, row.retry_ms) };
    },
    async remove(key) {
      await db.run(q.remove, [k(key)]);
    },
    async count(key) {
      return (await db.get(q.count, [k(key)]))?.count ?? 0;
    },
    async clear(key) {
      await db.run(q.clear, [k(key)]);
    },
  };
}

/** Forgets windows that have ended (they would start over anyway): run now and then. */
export async function purgeCounters(db: Database): Promise<void> {
  if (db.engine === 'postgres') await db.run(q.purge);
}

/**
 * Counts for one process on SQLite, in the database for relays sharing PostgreSQL. `name`
 * must be unique per limit.
 */
export const sharedCounter = (db: Database, name: string, windowMs: number): AttemptCounter =>
  db.engine === 'postgres' ? databaseCounter(db, name, windowMs) : memoryCounter(windowMs);

/** `hit` answers at once in memory (SQLite: no await on the hot path), else a promise. */
export type Limiter = { hit(key: string): WindowHit | Promise<WindowHit> };

/**
 * At most `limit` events per `windowMs` per key, counted in this process on SQLite and
 * across relays on PostgreSQL. `name` must be unique per limit.
 */
export function sharedLimiter(
  db: Database,
  { name, limit, windowMs }: { name: string; limit: number; windowMs: number },
): Limiter {
  if (db.engine !== 'postgres') return createWindowLimiter({ limit, windowMs });
  const counter = databaseCounter(db, name, windowMs);
  return {
    async hit(key) {
      const { count, retryAfterMs } = await counter.add(key);
      return { ok: count <= limit, retryAfterMs, remaining: Math.max(0, limit - count) };
    },
  };
}
