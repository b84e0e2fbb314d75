import type { Db } from '../db/open.js';

/** Writes per transaction at most; a larger queue is flushed in several transactions. */
export const GROUP_COMMIT_MAX_BATCH = 256;

type Pending<T, R> = { item: T; resolve: (r: R) => void; reject: (e: unknown) => void };
type Outcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

/**
 * Group commit: writes submitted while the event loop is busy are applied together in one
 * `BEGIN IMMEDIATE … COMMIT`, flushed on the next `setImmediate` (or at once when the batch
 * is full). Each caller's promise settles only after the commit that holds its write, so an
 * acknowledged write is a committed one. Every item runs in its own savepoint
 * (better-sqlite3 turns a transaction inside a transaction into SAVEPOINT … RELEASE,
 * https://github.com/WiseLibs/better-sqlite3/blob/master/docs/api.md#transactionfunction---function),
 * so an item that throws is rolled back alone and the others still commit.
 *
 * `apply` must be synchronous and do only SQL on `db`, like any transaction function.
 */
export function createGroupCommit<T, R>(
  db: Db,
  apply: (item: T) => R,
  { maxBatch = GROUP_COMMIT_MAX_BATCH }: { maxBatch?: number } = {},
) {
  let queue: Pending<T, R>[] = [];
  let scheduled = false;
  const applyInSavepoint = db.transaction(apply);
  const flushTx = db.transaction((batch: Pending<T, R>[]): Outcome<R>[] =>
    batch.map(({ item }) => {
      try {
        return { ok: true, value: applyInSavepoint(item) };
      } catch (error) {
        return { ok: false, error };
      }
    }),
  );

  function flush() {
    scheduled = false;
    while (queue.length) {
      const batch = queue.length > maxBatch ? queue.splice(0, maxBatch) : queue;
      if (batch === queue) queue = [];
      let outcomes: Outcome<R>[];
      try {
        outcomes = flushTx.immediate(batch);
      } catch (error) {
        // The commit itself failed (disk full, database locked by another process).
        for (const p of batch) p.reject(error);
        continue;
      }
      outcomes.forEach((o, i) => (o.ok ? batch[i].resolve(o.value) : batch[i].reject(o.error)));
    }
  }

  return {
    /** Queues one write; resolves with `apply`'s result once it is committed. */
    submit(item: T): Promise<R> {
      return new Promise<R>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        if (queue.length >= maxBatch) flush();
        else if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
  };
}
export type GroupCommit<T, R> = ReturnType<typeof createGroupCommit<T, R>>;
