import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { openSecrets, SecretKeyError, type SecretBox } from '../secrets/index.js';
import { exclusively, LOCKS } from './locks.js';
import { migrate } from './migrate.js';
import { migratePostgres } from './migrate-pg.js';
import { openPostgres, type PostgresOptions } from './postgres.js';
import type { Database } from './sql.js';
import { openSqlite } from './sqlite.js';

/** The database, with the box that encrypts and opens the secrets stored in it. */
export type Db = Database & { readonly secrets: SecretBox };

export type OpenOptions = {
  /**
   * TOUCHPOINT_SECRET_KEY, parsed (relay/config.ts); null: the key file beside the SQLite
   * database. Required for PostgreSQL, which has no file beside it.
   */
  secretKeys?: Buffer[] | null;
  /** PostgreSQL pool tuning (tests keep pools small). */
  postgres?: PostgresOptions;
};

/** `postgres://…` and `postgresql://…` select PostgreSQL; anything else is a SQLite path. */
export const isPostgresUrl = (location: string) => /^postgres(ql)?:\/\//i.test(location);

/**
 * Opens the database and brings its schema up to date, then opens its secrets
 * (relay/secrets): stored secrets still in clear are encrypted, and a wrong operator key
 * stops here with a clear message.
 * - A SQLite path (the default): the file is created if needed, readable by the relay's user
 *   only (relay/db/sqlite.ts sets WAL and the other PRAGMAs).
 * - A `postgres://` URL: several relays may share it; migrations run under a lock.
 */
export async function openDb(
  location: string,
  { secretKeys = null, postgres }: OpenOptions = {},
): Promise<Db> {
  if (isPostgresUrl(location)) {
    if (!secretKeys)
      throw new SecretKeyError(
        'TOUCHPOINT_SECRET_KEY must be set with PostgreSQL (TOUCHPOINT_DATABASE_URL): there is no key file beside the database, and every relay needs the same key (openssl rand -base64 32).',
      );
    const db = openPostgres(location, postgres);
    try {
      await migratePostgres(db);
      // Sealing secrets still in clear rewrites rows: once, when relays start together.
      const secrets = await exclusively(db, LOCKS.startup, () =>
        openSecrets(db, location, secretKeys),
      );
      return Object.assign(db, { secrets });
    } catch (err) {
      await db.close();
      throw err;
    }
  }
  if (location !== ':memory:' && !location.startsWith('file:')) restrictFiles(location);
  const db = openSqlite(location);
  try {
    migrate(db.raw);
    return Object.assign(db, { secrets: await openSecrets(db, location, secretKeys) });
  } catch (err) {
    await db.close();
    throw err;
  }
}

/**
 * Only the relay's user may read the database: a data folder it creates is 0700, and the
 * file with its -wal and -shm is 0600, also when they exist already with looser modes.
 * SQLite creates -wal and -shm later with the database file's own mode, so they follow.
 * https://www.sqlite.org/tempfiles.html#write_ahead_log_wal_files
 */
function restrictFiles(path: string) {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  closeSync(openSync(path, 'a', 0o600));
  for (const file of [path, `${path}-wal`, `${path}-shm`])
    if (existsSync(file)) chmodSync(file, 0o600);
}

/** Current time as the API's timestamp format: ISO 8601 UTC with milliseconds. */
export const now = (): string => new Date().toISOString();

/** JSON columns: parse at the store boundary, never in routes. */
export const fromJson = <T>(text: string | null | undefined, fallback: T): T =>
  text == null || text === '' ? fallback : (JSON.parse(text) as T);
