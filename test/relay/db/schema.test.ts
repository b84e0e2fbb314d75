import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../../relay/db/migrate.js';
import { migratePostgres } from '../../../relay/db/migrate-pg.js';
import { openPostgres, type PostgresDatabase } from '../../../relay/db/postgres.js';
import { postgresSchema, sqliteSchema } from '../../helpers/schema.js';
import { startPostgres, type PostgresServer } from '../../helpers/postgres-server.js';

describe('the two engines’ schemas', () => {
  let server: PostgresServer;
  let db: PostgresDatabase;
  beforeAll(async () => {
    server = await startPostgres();
    const admin = new pg.Client(server.url);
    await admin.connect();
    await admin.query('CREATE DATABASE schema_check');
    await admin.end();
    db = openPostgres(server.url.replace(/\/postgres$/, '/schema_check'));
  });
  afterAll(async () => {
    await db?.close();
    await server?.stop();
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
});
