import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb, type Db } from '../../../relay/db/open.js';
import type { Engine } from '../../../relay/db/sql.js';
import { postgresDatabase, testEngine } from '../../helpers/engine.js';

type Open = () => Promise<Db>;

/**
 * Store-level databases for suites that write at once as several relays would, or compare
 * the engines: `engines` holds the suite's engine (SQLite in the `relay` project, PostgreSQL
 * in `relay-pg`); `both` holds both, for comparisons (on PostgreSQL runs only, where both
 * are there). Each `open()` gives a fresh database: a SQLite file, or a copy of the run's
 * migrated PostgreSQL template. `stop()` removes them.
 */
export function eachEngine(prefix: string) {
  let dir: string | undefined;
  const drops: (() => Promise<void>)[] = [];
  const secretKeys = [Buffer.alloc(32, 5)];
  const open: Record<Engine, Open> = {
    sqlite: () => {
      dir ??= mkdtempSync(join(tmpdir(), `touchpoint-${prefix}-`));
      return openDb(join(dir, `${Math.random()}.db`), { secretKeys });
    },
    postgres: async () => {
      const created = await postgresDatabase({ prefix });
      drops.push(created.drop);
      return openDb(created.url, { secretKeys, postgres: { max: 8 } });
    },
  };
  const engines: [engine: Engine, open: Open][] = [[testEngine, open[testEngine]]];
  const both: [engine: Engine, open: Open][] = [
    ['sqlite', open.sqlite],
    ['postgres', open.postgres],
  ];
  return {
    engines,
    both,
    async stop() {
      for (const drop of drops) await drop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
