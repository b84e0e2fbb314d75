import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../../relay/db/migrate.js';
import { migratePostgres } from '../../../relay/db/migrate-pg.js';
import { openPostgres, type PostgresDatabase } from '../../../relay/db/postgres.js';
import { postgresSchema, sqliteSchema } from '../../helpers/schema.js';
import { onPostgres, postgresDatabase } from '../../helpers/engine.js';

describe.skipIf(!onPostgres)(
  `the two engines’ schemas${onPostgres ? '' : ' (compares with PostgreSQL: runs in relay-pg)'}`,
  () => {
    let db: PostgresDatabase;
    let drop: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      const created = await postgresDatabase({ prefix: 'schema', empty: true });
      drop = created.drop;
      db = openPostgres(created.url);
    });
    afterAll(async () => {
      await db?.close();
      await drop?.();
    });

    it('have the same tables, columns, indexes and foreign keys after every migration', async () => {
      const lite = new BetterSqlite3(':memory:');
      migrate(lite);
      await migratePostgres(db);
      const expected = sqliteSchema(lite);
      const actual = await postgresSchema(db.pool, ['touchpoint_schema']);
      expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
      for (const table of Object.keys(expected))
        expect(actual[table], table).toEqual(expected[table]);
    });

    it('migrates once when relays start together, and again is a no-op', async () => {
      await Promise.all([migratePostgres(db), migratePostgres(db), migratePostgres(db)]);
      const { rows } = await db.pool.query('SELECT version FROM touchpoint_schema');
      expect(rows).toHaveLength(1);
    });
  },
);
