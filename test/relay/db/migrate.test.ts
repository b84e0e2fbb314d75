import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrations } from '../../../relay/db/migrations.js';
import { openDb, type Db } from '../../../relay/db/open.js';
import { pgMigrations } from '../../../relay/db/migrations-pg.js';
import { sql } from '../../../relay/db/sql.js';
import type { SqliteDatabase } from '../../../relay/db/sqlite.js';
import { describeSqlite, onPostgres, testDatabase } from '../../helpers/engine.js';

/** The SQLite file's own set-up (PRAGMAs, STRICT tables, user_version). */
describeSqlite('database', 'PRAGMAs, STRICT tables, user_version of the file', () => {
  const dirs: string[] = [];
  const file = () => {
    const dir = mkdtempSync(join(tmpdir(), 'touchpoint-db-'));
    dirs.push(dir);
    return join(dir, 'nested', 'touchpoint.db');
  };
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('creates the file, applies every migration and sets the pragmas', async () => {
    const sqlite = (await openDb(file())) as Db & SqliteDatabase;
    const db = sqlite.raw;
    expect(db.pragma('user_version', { simple: true })).toBe(migrations.length);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
    const tables = db.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'table'`).all() as {
      name: string;
      sql: string;
    }[];
    expect(tables.length).toBeGreaterThan(20);
    for (const t of tables) expect(t.sql, t.name).toMatch(/STRICT/);
    await sqlite.close();
  });

  it('is idempotent on reopen and refuses a database newer than the code', async () => {
    const path = file();
    await (await openDb(path)).close();
    await (await openDb(path)).close();
    const raw = new Database(path);
    raw.pragma(`user_version = ${migrations.length + 1}`);
    raw.close();
    await expect(openDb(path)).rejects.toThrow(/schema version/);
  });
});

describe.skipIf(!onPostgres)(
  `PostgreSQL database${onPostgres ? '' : ' (PostgreSQL’s own migrations: run in relay-pg)'}`,
  () => {
    it('is idempotent on reopen and refuses a database newer than the code', async () => {
      const database = await testDatabase({ prefix: 'migrate', empty: true });
      try {
        await (await database.open()).close();
        const db = await database.open();
        expect(await db.value(sql(`SELECT version FROM touchpoint_schema`))).toBe(
          pgMigrations.length,
        );
        await db.run(sql(`UPDATE touchpoint_schema SET version = ?`), [pgMigrations.length + 1]);
        await db.close();
        await expect(database.open()).rejects.toThrow(/schema version/);
      } finally {
        await database.drop();
      }
    });
  },
);
