import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, inject } from 'vitest';
import { openPostgres } from '../../relay/db/postgres.js';
import { sql, type Engine } from '../../relay/db/sql.js';
import { createDatabase } from './postgres-server.js';

/**
 * The engine the suites run on: SQLite in the `relay` project, PostgreSQL in `relay-pg`
 * (vitest.config.ts sets TOUCHPOINT_TEST_ENGINE there), the same suites on each.
 */
export const testEngine: Engine =
  process.env.TOUCHPOINT_TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite';
export const onPostgres = testEngine === 'postgres';

/** The operator key of relays on PostgreSQL, which has no key file beside the database. */
export const TEST_SECRET_KEY = Buffer.alloc(32, 9);

/**
 * `describe` for suites about SQLite itself (file modes, WAL, PRAGMAs, its migrations):
 * skipped on PostgreSQL, saying why.
 */
export function describeSqlite(name: string, why: string, fn: () => void) {
  return onPostgres ? describe.skip(`${name} (SQLite only: ${why})`, fn) : describe(name, fn);
}

/** The run's PostgreSQL server (test/helpers/postgres-global-setup.ts). */
export function postgresServer() {
  const provided = inject('postgres');
  if (!provided?.url)
    throw new Error(`No PostgreSQL for this run: ${provided?.unavailable ?? 'not set up'}`);
  return provided;
}

/**
 * A fresh, migrated PostgreSQL database copied from the run's template; `drop()` removes it.
 * `empty` gives one without the schema (for migration tests).
 */
export async function postgresDatabase({ prefix = 'relay', empty = false } = {}) {
  const { url, template } = postgresServer();
  return createDatabase(url, { prefix, template: empty ? undefined : template });
}

/**
 * A fresh database on the suite's engine, for a relay run as its own process
 * (test/helpers/process.ts): its environment variables, and `query` to read it directly
 * with SQL valid on both engines (`?` placeholders), while the relay runs or after it died.
 */
export async function processDatabase() {
  if (onPostgres) {
    const db = await postgresDatabase();
    // Through the relay's own layer: rows read back as on SQLite (numbers, ISO times).
    const client = openPostgres(db.url, { max: 1 });
    return {
      env: {
        TOUCHPOINT_DATABASE_URL: db.url,
        TOUCHPOINT_SECRET_KEY: TEST_SECRET_KEY.toString('base64'),
      },
      async query<T>(text: string, ...params: unknown[]): Promise<T[]> {
        return client.all(sql<unknown[], T>(text), params);
      },
      async drop() {
        await client.close();
        await db.drop();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'touchpoint-process-'));
  const path = join(dir, 'touchpoint.db');
  return {
    env: { TOUCHPOINT_DB: path },
    async query<T>(text: string, ...params: unknown[]): Promise<T[]> {
      const db = new BetterSqlite3(path, { readonly: true });
      try {
        return db.prepare(text).all(...params) as T[];
      } finally {
        db.close();
      }
    },
    async drop() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
export type ProcessDatabase = Awaited<ReturnType<typeof processDatabase>>;
