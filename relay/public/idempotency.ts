import { hash } from 'node:crypto';
import type { Db } from '../db/open.js';

/** How long a stored first answer is replayed: a day covers every retry a widget makes. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

export type IdemKey = { scope: string; key: string; hash: string };
export type StoredAnswer = { request_hash: string; status: number; body: string };

/**
 * First answers to idempotent public writes (`submission_id` / `Idempotency-Key`), in
 * `idempotency_keys`. The row is written in the same transaction as the lead, so a replay
 * always points at a committed lead.
 */
export function createIdempotencyStore(db: Db) {
  const q = {
    get: db.prepare<{ scope: string; key: string }, StoredAnswer>(
      `SELECT request_hash, status, body FROM idempotency_keys WHERE scope = @scope AND key = @key`,
    ),
    insert: db.prepare<{ scope: string; key: string; hash: string; status: number; body: string }>(
      `INSERT INTO idempotency_keys (scope, key, request_hash, status, body)
       VALUES (@scope, @key, @hash, @status, @body) ON CONFLICT (scope, key) DO NOTHING`,
    ),
    // Ids grow with time: the expired rows are those below the first id that is not expired.
    prune: db.prepare<[string]>(
      `DELETE FROM idempotency_keys WHERE id < coalesce(
         (SELECT id FROM idempotency_keys WHERE created_at >= ? ORDER BY id LIMIT 1),
         (SELECT max(id) + 1 FROM idempotency_keys))`,
    ),
  };
  let nextPrune = 0;

  return {
    find: (k: { scope: string; key: string }): StoredAnswer | undefined =>
      q.get.get({ scope: k.scope, key: k.key }),

    /**
     * Inside the write transaction: stores the first answer for `k`, or returns false when
     * the key is taken (a concurrent repeat won). Drops expired rows about once an hour.
     */
    recordInTx(k: IdemKey, status: number, body: string): boolean {
      const stored = q.insert.run({ scope: k.scope, key: k.key, hash: k.hash, status, body });
      const t = Date.now();
      if (t >= nextPrune) {
        nextPrune = t + 60 * 60 * 1000;
        q.prune.run(new Date(t - IDEMPOTENCY_TTL_MS).toISOString());
      }
      return stored.changes === 1;
    },
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
