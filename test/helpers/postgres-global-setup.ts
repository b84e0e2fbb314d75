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
 * Vitest globalSetup of the `relay-pg` project: ONE embedded PostgreSQL for the whole run,
 * with a database migrated once to serve as the template that each relay under test copies
 * (`CREATE DATABASE … TEMPLATE`: milliseconds, where migrating takes a second). When the
 * server cannot start, the suites learn why and report themselves skipped (or fail, with
 * REQUIRE_POSTGRES=1: test/helpers/postgres-runner.ts).
 */
export default async function setup(project: TestProject) {
  let server: PostgresServer;
  try {
    server = await startPostgres();
  } catch (err) {
    const reason = (err as Error).message.split('\n')[0];
    console.warn(
      `relay-pg: PostgreSQL is not available (${reason}): its suites report themselves skipped, or fail with REQUIRE_POSTGRES=1.`,
    );
    project.provide('postgres', { unavailable: reason });
    return;
  }
  const template = await createDatabase(server.url, { prefix: 'touchpoint_template' });
  const db = openPostgres(template.url, { max: 1 });
  try {
    await migratePostgres(db);
  } finally {
    await db.close();
  }
  project.provide('postgres', { url: server.url, template: template.name });
  return () => server.stop();
}
