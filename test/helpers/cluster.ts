import pg from 'pg';
import type { Config } from '../../relay/config.js';
import { startPostgres, type PostgresServer } from './postgres-server.js';
import { startRelay, type Relay } from './relay.js';

/** The operator key every relay of a test cluster shares (TOUCHPOINT_SECRET_KEY). */
export const CLUSTER_KEY = Buffer.alloc(32, 11);

/**
 * A real PostgreSQL server for a suite about several relays, or the reason there is none.
 * With REQUIRE_POSTGRES=1 (CI) a server that cannot start fails the suite instead: such a
 * suite must never pass by skipping. Call it at the top level of the test file:
 * `const pg = await postgresForSuite(); describe.skipIf(!pg.server)(…)`.
 */
export async function postgresForSuite(): Promise<
  { server: PostgresServer; skip: null } | { server: null; skip: string }
> {
  try {
    return { server: await startPostgres(), skip: null };
  } catch (err) {
    if (process.env.REQUIRE_POSTGRES === '1') throw err;
    const reason = `PostgreSQL could not start here (${(err as Error).message.split('\n')[0]}); REQUIRE_POSTGRES=1 makes this a failure`;
    console.warn(`skipped: ${reason}`);
    return { server: null, skip: reason };
  }
}

let databases = 0;

/** A new, empty database on `server`; its URL. */
export async function createDatabase(server: PostgresServer, prefix = 'cluster'): Promise<string> {
  const admin = new pg.Client(server.url);
  await admin.connect();
  const name = `${prefix}_${process.pid}_${++databases}_${Math.floor(Math.random() * 1e6)}`;
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return server.url.replace(/\/postgres$/, `/${name}`);
}

/**
 * A relay in this process on the PostgreSQL database at `url`, as test/helpers/relay.ts
 * starts one on SQLite: several of them on one URL are several relays sharing a database.
 */
export function startPgRelay(
  url: string,
  overrides: Partial<Config> = {},
  options: Parameters<typeof startRelay>[1] = {},
): Promise<Relay> {
  return startRelay({ databaseUrl: url, secretKeys: [CLUSTER_KEY], ...overrides }, options);
}

/** Reads straight from the database, as an operator's psql would. */
export async function query<T = Record<string, unknown>>(
  url: string,
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return (await client.query(text, values)).rows as T[];
  } finally {
    await client.end();
  }
}
