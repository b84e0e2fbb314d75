import { hash } from 'node:crypto';
import type { Db } from '../db/open.js';
import { sql, type Tx } from '../db/sql.js';

/** How long a stored first answer is replayed: a day covers every retry a widget makes. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

export type IdemKey = { scope: string; key: string; hash: string };
export type StoredAnswer = { request_hash: string; status: number; body: string };

const q = {
  get: sql<{ scope: string; key: string }, StoredAnswer>(
    `SELECT request_hash, status, body FROM idempotency_keys WHERE scope = @scope AND key = @key`,
  ),
  insert: sql<{ scope: string; key: string; hash: string; status: number; body: string }, never>(
    `INSERT INTO idempotency_keys (scope, key, request_hash, status, body)
     VALUES (@scope, @key, @hash, @status, @body) ON CONFLICT (scope, key) DO NOTHING`,
  ),
  // Ids grow with time: the expired rows are those below the first id that is not expired.
  prune: sql<string, never>(
    `DELETE FROM idempotency_keys WHERE id < coalesce(
       (SELECT id FROM idempotency_keys WHERE created_at >= ? ORDER BY id LIMIT 1),
       (SELECT max(id) + 1 FROM idempotency_keys))`,
  ),
};

/**
 * First answers to idempotent public writes (`submission_id` / `Idempotency-Key`), in
 * `idempotency_keys`. The row is written in the same transaction as the lead, so a replay
 * always points at a committed lead.
 */
export function createIdempotencyStore(db: Db) {
  let nextPrune = 0;
  /** Drops expired rows, about once an hour (nothing at all the other times). */
  const pruneInTx = async (tx: Tx) => {
    const t = Date.now();
    if (t < nextPrune) return;
    nextPrune = t + 60 * 60 * 1000;
    await tx.run(q.prune, new Date(t - IDEMPOTENCY_TTL_MS).toISOString());
  };

  return {
    find: (k: { scope: string; key: string }): Promise<StoredAnswer | undefined> =>
      db.get(q.get, { scope: k.scope, key: k.key }),

    /**
     * Inside the write transaction: stores the first answer for `k`, or returns false when
     * the key is taken (a concurrent repeat won: on PostgreSQL the insert waits for that
     * repeat's transaction, then does nothing). Drops expired rows (`pruneInTx`).
     */
    async recordInTx(tx: Tx, k: IdemKey, status: number, body: string): Promise<boolean> {
      const stored = await tx.run(q.insert, {
        scope: k.scope,
        key: k.key,
        hash: k.hash,
        status,
        body,
      });
      await pruneInTx(tx);
      return stored.changes === 1;
    },

    /** For a write that stores its first answer itself (the intake's one statement). */
    pruneInTx,
  };
}
export type IdempotencyStore = ReturnType<typeof createIdempotencyStore>;

/**
 * What makes two submissions "the same": the form, the values (key order ignored), the
 * consent version and the visitor. Volatile parts — `elapsed_ms`, the honeypot, page
 * metadata, UTM, the captcha token — are left out, because a retry may carry new ones.
 */
export function submissionHash(parts: {
  form: string;
  fields: Record<string, unknown>;
  consent?: unknown;
  visitor_id?: string;
}): string {
  const fields = Object.keys(parts.fields)
    .sort()
    .map((k) => [k, parts.fields[k]]);
  const canonical = JSON.stringify([
    parts.form,
    fields,
    parts.consent ?? null,
    parts.visitor_id ?? null,
  ]);
  return hash('sha256', canonical, 'base64url');
}
