import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { migrate } from './migrate.js';

export type Db = Database.Database;

/**
 * Opens (creating if needed) the SQLite file and brings its schema up to date.
 * WAL lets readers run beside the one writer; synchronous=NORMAL in WAL mode keeps every
 * committed transaction across a process crash (only an OS crash can lose the last ones).
 * https://www.sqlite.org/pragma.html#pragma_synchronous
 */
export function openDb(path: string): Db {
  if (path !== ':memory:' && !path.startsWith('file:'))
    mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // Savepoint journals (one per lead in the intake's group commit) stay in memory instead of
  // temporary files: most of a batched lead's write cost otherwise. https://www.sqlite.org/tempfiles.html
  db.pragma('temp_store = MEMORY');
  migrate(db);
  return db;
}

/** Current time as the API's timestamp format: ISO 8601 UTC with milliseconds. */
export const now = (): string => new Date().toISOString();

/** JSON columns: parse at the store boundary, never in routes. */
export const fromJson = <T>(text: string | null | undefined, fallback: T): T =>
  text == null || text === '' ? fallback : (JSON.parse(text) as T);
