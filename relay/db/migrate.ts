import type Database from 'better-sqlite3';
import { migrations } from './migrations.js';

export class SchemaTooNewError extends Error {}

/**
 * Applies the numbered migrations the database has not seen yet, all in one transaction,
 * and records the new count in `PRAGMA user_version`. A database written by a newer
 * Touchpoint is refused rather than guessed at.
 *
 * Foreign keys are off while they run and checked before the commit: a migration that
 * rebuilds a table (to change a CHECK) drops the old one, and with foreign keys on that drop
 * would first delete its rows, cascading into the tables that refer to it.
 * https://www.sqlite.org/lang_altertable.html#otheralter
 */
export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length) {
    throw new SchemaTooNewError(
      `The database is at schema version ${current}, but this Touchpoint knows only ${migrations.length}. Upgrade Touchpoint or use another TOUCHPOINT_DB.`,
    );
  }
  if (current === migrations.length) return;
  const foreignKeys = db.pragma('foreign_keys', { simple: true }) as number;
  db.pragma('foreign_keys = OFF');
  try {
    db.transaction(() => {
      for (const sql of migrations.slice(current)) db.exec(sql);
      const broken = db.pragma('foreign_key_check') as { table: string }[];
      if (broken.length)
        throw new Error(`A migration broke a reference in ${broken[0].table}; nothing changed.`);
      db.pragma(`user_version = ${migrations.length}`);
    }).immediate();
  } finally {
    db.pragma(`foreign_keys = ${foreignKeys ? 'ON' : 'OFF'}`);
  }
}
