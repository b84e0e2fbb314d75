import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { databaseLocation, testConfig, type Config } from '../../relay/config.js';
import { openDb } from '../../relay/db/open.js';
import { listen } from '../../relay/listen.js';
import { createRelay, type RelayOptions } from '../../relay/relay.js';
import { databaseEnv, onPostgres, postgresDatabase, TEST_SECRET_KEY } from './engine.js';

export type Reply<T = any> = { status: number; body: T; headers: Headers; text: string };

/** A tiny HTTP client for the relay under test: real fetch over loopback. */
export function client(base: string) {
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    opts: RequestOpts = {},
  ): Promise<Reply> => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    let payload: BodyInit | undefined;
    if (typeof body === 'string' || body instanceof Uint8Array) payload = body as BodyInit;
    else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(new URL(path, base), {
      method,
      headers,
      body: payload,
      redirect: 'manual',
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON: keep the text */
    }
    return { status: res.status, body: parsed, headers: res.headers, text };
  };
  return {
    get: (path: string, opts?: RequestOpts) => call('GET', path, undefined, opts),
    post: (path: string, body?: unknown, opts?: RequestOpts) => call('POST', path, body, opts),
    patch: (path: string, body?: unknown, opts?: RequestOpts) => call('PATCH', path, body, opts),
    put: (path: string, body?: unknown, opts?: RequestOpts) => call('PUT', path, body, opts),
    delete: (path: string, opts?: RequestOpts) => call('DELETE', path, undefined, opts),
    call,
  };
}
export type RequestOpts = { token?: string; headers?: Record<string, string> };
export type Client = ReturnType<typeof client>;

/**
 * The relay as it runs for real: its database on the suite's engine (test/helpers/engine.ts)
 * — a SQLite file in a fresh temporary folder, or a fresh PostgreSQL database copied from the
 * run's migrated template — and the HTTP server on a loopback port. `close()` stops it and
 * removes the folder and the database. The operator's log lines (refused public requests)
 * are kept in `logs` rather than printed.
 */
export async function startRelay(
  overrides: Partial<Config> = {},
  options: Omit<RelayOptions, 'db' | 'config' | 'log'> = {},
) {
  const dir = mkdtempSync(join(tmpdir(), 'touchpoint-test-'));
  // A database of its own, unless the test passes one to share (test/helpers/engine.ts
  // `testDatabase().config`), e.g. to restart a relay on it.
  const pg = onPostgres && overrides.databaseUrl === undefined ? await postgresDatabase() : null;
  const config = testConfig({
    dbPath: join(dir, 'touchpoint.db'),
    ...(pg && { databaseUrl: pg.url, secretKeys: [TEST_SECRET_KEY] }),
    ...overrides,
  });
  // Small pools: a suite may run several relays, and the run's server serves every worker.
  const db = await openDb(databaseLocation(config), { ...config, postgres: { max: 4 } });
  const logs: string[] = [];
  const relay = createRelay({ db, config, ...options, log: (line) => logs.push(line) });
  const { app, worker, stores } = relay;
  // Port 0 (any free one) unless a test needs to know it up front (a public URL).
  const server = await listen(app, { port: overrides.port ?? 0 });
  await relay.start();
  return {
    url: server.url,
    api: client(server.url),
    db,
    stores,
    worker,
    channels: relay.channels,
    heartbeat: relay.heartbeat,
    cluster: relay.cluster,
    events: relay.events,
    metrics: relay.metrics,
    config,
    /** Environment variables that point the CLI or a relay process at this relay's database. */
    databaseEnv: databaseEnv(config),
    dir,
    logs,
    async close() {
      await server.close();
      await relay.stop();
      await db.close();
      await pg?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
export type Relay = Awaited<ReturnType<typeof startRelay>>;

let counter = 0;

/**
 * A platform user with a login token and one shop of their own. `demo` makes the shop a demo
 * shop the way the relay's demo seed does (through the store; the API cannot), for suites
 * that use sandbox bots and the demo inbox.
 */
export async function userWithShop(relay: Relay, name = 'Shop', { demo = false } = {}) {
  counter += 1;
  const email = `owner${counter}-${Date.now()}@example.test`;
  const user = await relay.stores.users.create(email, 'correct horse battery');
  const token = await relay.stores.users.issueToken(user.id);
  let shop = await relay.stores.shops.create({ name: `${name} ${counter}` }, user.id);
  if (demo) {
    await relay.stores.shops.markDemo(shop.id);
    shop = (await relay.stores.shops.get(shop.id))!;
  }
  return { user, email, password: 'correct horse battery', token, shop };
}
export type Owner = Awaited<ReturnType<typeof userWithShop>>;
