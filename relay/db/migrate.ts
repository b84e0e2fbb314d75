import type Database from 'better-sqlite3';
import { migrations } from './migrations.js';

export class SchemaTooNewError extends Error {}

/**
 * Applies the numbered migrations the database has not seen yet, all in one transaction,
 * and records the new count in `PRAGMA user_version`. A database written by a newer
 * Touchpoint is refused rather than guessed at.
 */
export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length) {
    throw new SchemaTooNewError(
      `The database is at schema version ${current}, but this Touchpoint knows only ${migrations.length}. Upgrade Touchpoint or use another TOUCHPOINT_DB.`,
    );
  }
  if (current === migrations.length) return;
  db.transaction(() => {
    for (const sql of migrations.slice(current)) db.exec(sql);
    db.pragma(`user_version = ${migrations.length}`);
  }).immediate();
}
