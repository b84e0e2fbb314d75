import { SchemaTooNewError } from './migrate.js';
import { pgMigrations } from './migrations-pg.js';
import type { Database } from './sql.js';
import { sql } from './sql.js';

/** Any number, as long as every Touchpoint uses the same one for its migrations. */
const MIGRATION_LOCK = 7_406_110_001;

const lock = sql<[number], never>(`SELECT pg_advisory_xact_lock(?)`);
const version = sql<undefined, { version: number }>(`SELECT version FROM touchpoint_schema`);
const setVersion = sql<[number], never>(`UPDATE touchpoint_schema SET version = ?`);

/**
 * Applies PostgreSQL's migrations the database has not seen yet, in one transaction, under
 * an advisory lock so that relays starting together do not race: the first applies them,
 * the others wait and find nothing left to do. The version lives in a one-row table (the
 * twin of SQLite's `PRAGMA user_version`).
 */
export async function migratePostgres(db: Database): Promise<void> {
  await db.tx(async (tx) => {
    await tx.get(lock, [MIGRATION_LOCK]);
    await tx.exec(
      `CREATE TABLE IF NOT EXISTS touchpoint_schema (version integer NOT NULL);
       INSERT INTO touchpoint_schema (version) SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM touchpoint_schema);`,
    );
    const current = (await tx.value(version)) ?? 0;
    if (current > pgMigrations.length) {
      throw new SchemaTooNewError(
        `The database is at schema version ${current}, but this Touchpoint knows only ${pgMigrations.length}. Upgrade Touchpoint or point TOUCHPOINT_DATABASE_URL elsewhere.`,
      );
    }
    for (const text of pgMigrations.slice(current)) await tx.exec(text);
    if (current < pgMigrations.length) await tx.run(setVersion, [pgMigrations.length]);
  });
}
