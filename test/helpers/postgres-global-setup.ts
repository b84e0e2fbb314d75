import type { TestProject } from 'vitest/node';
import { migratePostgres } from '../../relay/db/migrate-pg.js';
import { openPostgres } from '../../relay/db/postgres.js';
import { createDatabase, startPostgres, type PostgresServer } from './postgres-server.js';

/** What the PostgreSQL suites get from the run's one server (`inject('postgres')`). */
export type ProvidedPostgres =
  | { url: string; template: string; unavailable?: undefined }
  | { url?: undefined; template?: undefined; unavailable: string };

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: ProvidedPostgres;
  }
}

/**
 * Vitest globalSetup of the PostgreSQL projects (`relay-pg`, `quiet-pg`): ONE embedded
 * PostgreSQL for the whole run, with a database migrated once to serve as the template that
 * each relay under test copies (`CREATE DATABASE … TEMPLATE`: milliseconds, where migrating
 * takes a second). Each project that lists this file gets the same server; the last one to
 * finish stops it. When the server cannot start, the suites learn why and report themselves
 * skipped (or fail, with REQUIRE_POSTGRES=1: test/helpers/postgres-runner.ts).
 */
export default async function setup(project: TestProject) {
  // Vitest loads this module once per project: the server is kept on the process instead.
  const state = ((globalThis as { [SHARED]?: Shared })[SHARED] ??= { users: 0 });
  state.started ??= start();
  state.users += 1;
  project.provide('postgres', (await state.started).provided);
  return async () => {
    if (--state.users > 0) return;
    const { server } = await state.started!;
    state.started = undefined;
    await server?.stop();
  };
}

const SHARED = Symbol.for('touchpoint.test.postgres');
type Started = { provided: ProvidedPostgres; server?: PostgresServer };
type Shared = { started?: Promise<Started>; users: number };

async function start(): Promise<Started> {
  let server: PostgresServer;
  try {
    server = await startPostgres();
  } catch (err) {
    const reason = (err as Error).message.split('\n')[0];
    console.warn(
      `PostgreSQL is not available (${reason}): the relay-pg suites report themselves skipped, or fail with REQUIRE_POSTGRES=1.`,
    );
    return { provided: { unavailable: reason } };
  }
  const template = await createDatabase(server.url, { prefix: 'touchpoint_template' });
  const db = openPostgres(template.url, { max: 1 });
  try {
    await migratePostgres(db);
  } finally {
    await db.close();
  }
  return { provided: { url: server.url, template: template.name }, server };
}
