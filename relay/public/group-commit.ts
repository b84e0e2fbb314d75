import type { Database, Tx } from '../db/sql.js';

/** Writes per transaction at most; a larger queue is flushed in several transactions. */
export const GROUP_COMMIT_MAX_BATCH = 256;

type Pending<T, R> = { item: T; resolve: (r: R) => void; reject: (e: unknown) => void };
type Outcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

/**
 * Group commit (SQLite): writes submitted while the event loop is busy are applied together
 * in one `BEGIN IMMEDIATE … COMMIT`, flushed on the next `setImmediate` (or at once when the
 * batch is full). Each caller's promise settles only after the commit that holds its write,
 * so an acknowledged write is a committed one. Every item runs in its own savepoint
 * (`tx.savepoint`), so an item that throws is rolled back alone and the others still commit.
 * One batch is written at a time; what arrives meanwhile forms the next one.
 *
 * `apply` must await only SQL on its `tx`, like any transaction function.
 */
export function createGroupCommit<T, R>(
  db: Database,
  apply: (tx: Tx, item: T) => Promise<R>,
  { maxBatch = GROUP_COMMIT_MAX_BATCH }: { maxBatch?: number } = {},
) {
  let queue: Pending<T, R>[] = [];
  let scheduled = false;
  let flushing = false;

  const write = (batch: Pending<T, R>[]) =>
    db.tx(async (tx) => {
      const outcomes: Outcome<R>[] = [];
      for (const { item } of batch) {
        try {
          outcomes.push({ ok: true, value: await tx.savepoint((sp) => apply(sp, item)) });
        } catch (error) {
          outcomes.push({ ok: false, error });
        }
      }
      return outcomes;
    });

  async function flush() {
    scheduled = false;
    if (flushing) return; // the running flush takes what is queued when its batch commits
    flushing = true;
    try {
      while (queue.length) {
        const batch = queue.length > maxBatch ? queue.splice(0, maxBatch) : queue;
        if (batch === queue) queue = [];
        let outcomes: Outcome<R>[];
        try {
          outcomes = await write(batch);
        } catch (error) {
          // The commit itself failed (disk full, database locked by another process).
          for (const p of batch) p.reject(error);
          continue;
        }
        outcomes.forEach((o, i) => (o.ok ? batch[i].resolve(o.value) : batch[i].reject(o.error)));
      }
    } finally {
      flushing = false;
    }
  }

  return {
    /** Queues one write; resolves with `apply`'s result once it is committed. */
    submit(item: T): Promise<R> {
      return new Promise<R>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        if (queue.length >= maxBatch) void flush();
        else if (!scheduled) {
          scheduled = true;
          setImmediate(() => void flush());
        }
      });
    },
  };
}
export type GroupCommit<T, R> = ReturnType<typeof createGroupCommit<T, R>>;
