import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openDb, type Db } from '../../../relay/db/open.js';
import { startPostgres, type PostgresServer } from '../../helpers/postgres-server.js';

/**
 * Both engines for suites that compare them or write at once as several relays would: a
 * fresh SQLite file, and a fresh database on one real PostgreSQL server started for the
 * suite. `stop()` ends the server and removes the files.
 */
export function eachEngine(prefix: string) {
  let server: PostgresServer | undefined;
  const dir = mkdtempSync(join(tmpdir(), `touchpoint-${prefix}-`));
  const secretKeys = [Buffer.alloc(32, 5)];
  const engines: [engine: 'sqlite' | 'postgres', open: () => Promise<Db>][] = [
    ['sqlite', () => openDb(join(dir, `${Math.random()}.db`), { secretKeys })],
    [
      'postgres',
      async () => {
        server ??= await startPostgres();
        const admin = new pg.Client(server.url);
        await admin.connect();
        const name = `${prefix}_${Math.floor(Math.random() * 1e9)}`;
        await admin.query(`CREATE DATABASE ${name}`);
        await admin.end();
        return openDb(server.url.replace(/\/postgres$/, `/${name}`), { secretKeys });
      },
    ],
  ];
  return {
    engines,
    async stop() {
      await server?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
