import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql } from '../../../relay/db/sql.js';
import { openSqlite, type SqliteDatabase } from '../../../relay/db/sqlite.js';
import { createGroupCommit } from '../../../relay/public/group-commit.js';
import { describeSqlite } from '../../helpers/engine.js';

const insert = sql<number, never>('INSERT INTO t (n) VALUES (?)');

/** SQLite only: on PostgreSQL each lead has its own transaction (relay/public/lead-writer.ts). */
describeSqlite('group commit', 'one transaction per lead on PostgreSQL', () => {
  let dir: string;
  let db: SqliteDatabase;
  let reader: Database.Database;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'touchpoint-gc-'));
    db = openSqlite(join(dir, 'gc.db'));
    await db.exec('CREATE TABLE t (n INTEGER NOT NULL UNIQUE)');
    // A second connection sees only what is committed.
    reader = new Database(join(dir, 'gc.db'), { readonly: true });
  });
  afterEach(async () => {
    reader.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const committed = () => (reader.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n;

  it('writes concurrent submissions in one transaction and answers after the commit', async () => {
    const seenByOthers: number[] = [];
    const commit = createGroupCommit(db, async (tx, n: number) => {
      seenByOthers.push(committed());
      await tx.run(insert, n);
      return n * 2;
    });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        commit.submit(i).then((r) => ({ r, visible: committed() })),
      ),
    );
    expect(seenByOthers).toEqual(Array(50).fill(0)); // nothing committed until the batch is
    expect(results.map((x) => x.r)).toEqual(Array.from({ length: 50 }, (_, i) => i * 2));
    expect(results.every((x) => x.visible === 50)).toBe(true);
  });

  it('rolls back a failing item alone: the others of its batch commit', async () => {
    const commit = createGroupCommit(db, async (tx, n: number) => {
      await tx.run(insert, n);
      if (n % 3 === 0) throw new Error(`item ${n} fails after writing`);
      await tx.run(insert, n + 1000);
      return n;
    });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 9 }, (_, i) => commit.submit(i)),
    );
    expect(outcomes.map((o) => o.status)).toEqual(
      Array.from({ length: 9 }, (_, i) => (i % 3 === 0 ? 'rejected' : 'fulfilled')),
    );
    const rows = (reader.prepare('SELECT n FROM t ORDER BY n').all() as { n: number }[]).map(
      (r) => r.n,
    );
    expect(rows).toEqual([1, 2, 4, 5, 7, 8, 1001, 1002, 1004, 1005, 1007, 1008]);
  });

  it('splits a large burst into transactions of at most maxBatch items', async () => {
    const seenByOthers: number[] = [];
    const commit = createGroupCommit(
      db,
      async (tx, n: number) => {
        seenByOthers.push(committed());
        await tx.run(insert, n);
      },
      { maxBatch: 10 },
    );
    await Promise.all(Array.from({ length: 25 }, (_, i) => commit.submit(i)));
    expect(seenByOthers).toEqual([
      ...Array(10).fill(0),
      ...Array(10).fill(10),
      ...Array(5).fill(20),
    ]);
  });

  it('rejects the whole batch when its commit cannot happen', async () => {
    const commit = createGroupCommit(db, async (_tx, n: number) => n);
    const blocker = new Database(join(dir, 'gc.db'));
    blocker.pragma('busy_timeout = 0');
    db.raw.pragma('busy_timeout = 0');
    blocker.exec('BEGIN IMMEDIATE');
    try {
      const outcomes = await Promise.allSettled([commit.submit(1), commit.submit(2)]);
      expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    } finally {
      blocker.exec('ROLLBACK');
      blocker.close();
    }
    expect(await commit.submit(3)).toBe(3);
  });
});
