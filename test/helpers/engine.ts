import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, inject } from 'vitest';
import { databaseLocation, type Config } from '../../relay/config.js';
import { openDb } from '../../relay/db/open.js';
import { openPostgres } from '../../relay/db/postgres.js';
import { sql, type Engine } from '../../relay/db/sql.js';
import { createDatabase } from './postgres-server.js';

/**
 * The engine the suites run on: SQLite in the `relay` and `quiet` projects, PostgreSQL in
 * `relay-pg` and `quiet-pg` (vitest.config.ts sets TOUCHPOINT_TEST_ENGINE there): the same
 * suites on each.
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
 * The environment variables that point a relay process or the CLI at a database: the SQLite
 * file (its key file beside it), or the PostgreSQL URL with the operator key it needs.
 */
export function databaseEnv(config: Pick<Config, 'dbPath' | 'databaseUrl' | 'secretKeys'>) {
  const env: Record<string, string> = config.databaseUrl
    ? { TOUCHPOINT_DATABASE_URL: config.databaseUrl }
    : { TOUCHPOINT_DB: config.dbPath };
  if (config.secretKeys)
    env.TOUCHPOINT_SECRET_KEY = config.secretKeys.map((k) => k.toString('base64')).join(',');
  return env;
}

/**
 * A fresh database on the suite's engine, for a relay run as its own process
 * (test/helpers/process.ts) or the CLI: `env` points them at it; `open()` opens it in this
 * process through the relay's layer; `query` reads it with SQL valid on both engines (`?`
 * placeholders), also while a relay process runs on it or after one was killed. `empty`: a
 * PostgreSQL database without the schema (a SQLite file never exists before the relay starts).
 */
export async function testDatabase({ prefix = 'process', empty = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), `touchpoint-${prefix}-`));
  const created = onPostgres ? await postgresDatabase({ prefix, empty }) : null;
  const config = {
    dbPath: join(dir, 'touchpoint.db'),
    databaseUrl: created?.url ?? null,
    secretKeys: created ? [TEST_SECRET_KEY] : null,
  };
  const location = databaseLocation(config);
  // Through the relay's own layer: rows read back alike on both engines (numbers, ISO times).
  const reader = created ? openPostgres(created.url, { max: 1 }) : null;
  return {
    location,
    /** Overrides for `startRelay`: relays started with them share this database. */
    config,
    env: databaseEnv(config),
    open: () => openDb(location, { secretKeys: config.secretKeys, postgres: { max: 4 } }),
    async query<T>(text: string, ...params: unknown[]): Promise<T[]> {
      if (reader) return reader.all(sql<unknown[], T>(text), params);
      const db = new BetterSqlite3(config.dbPath, { readonly: true });
      try {
        return db.prepare(text).all(...params) as T[];
      } finally {
        db.close();
      }
    },
    async drop() {
      await reader?.close();
      await created?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
export type TestDatabase = Awaited<ReturnType<typeof testDatabase>>;
