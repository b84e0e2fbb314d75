import Database from 'better-sqlite3';
import { expect } from 'vitest';
import { migrations } from '../../../relay/db/migrations.js';

/**
 * A SQLite file at `path` as a relay from before a migration left it: every migration up to
 * the first whose text contains `marker` applied (and recorded in user_version), then `seed`
 * (rows as that relay wrote them). Opening it with openDb applies the rest.
 */
export function databaseBefore(path: string, marker: string, seed: string): void {
  const before = migrations.findIndex((m) => m.includes(marker));
  expect(before).toBeGreaterThan(0);
  const old = new Database(path);
  old.pragma('foreign_keys = ON');
  for (const sql of migrations.slice(0, before)) old.exec(sql);
  old.pragma(`user_version = ${before}`);
  old.exec(seed);
  old.close();
}
