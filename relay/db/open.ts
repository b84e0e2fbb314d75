import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { openSecrets, type SecretBox } from '../secrets/index.js';
import { migrate } from './migrate.js';

/** The database, with the box that encrypts and opens the secrets stored in it. */
export type Db = Database.Database & { readonly secrets: SecretBox };

export type OpenOptions = {
  /** TOUCHPOINT_SECRET_KEY, parsed (relay/config.ts); null: the key file beside the database. */
  secretKeys?: Buffer[] | null;
};

/**
 * Opens (creating if needed) the SQLite file and brings its schema up to date.
 * WAL lets readers run beside the one writer; synchronous=NORMAL in WAL mode keeps every
 * committed transaction across a process crash (only an OS crash can lose the last ones).
 * https://www.sqlite.org/pragma.html#pragma_synchronous
 * Then opens its secrets (relay/secrets): stored secrets still in clear are encrypted, and a
 * wrong operator key stops here with a clear message.
 */
export function openDb(path: string, { secretKeys = null }: OpenOptions = {}): Db {
  if (path !== ':memory:' && !path.startsWith('file:')) restrictFiles(path);
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    // Savepoint journals (one per lead in the intake's group commit) stay in memory instead of
    // temporary files: most of a batched lead's write cost otherwise. https://www.sqlite.org/tempfiles.html
    db.pragma('temp_store = MEMORY');
    migrate(db);
    return Object.assign(db, { secrets: openSecrets(db, path, secretKeys) });
  } catch (err) {
    db.close();
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
