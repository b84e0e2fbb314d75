import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onPostgres, testDatabase } from '../helpers/engine.js';
import { runRelayExpectingExit, spawnRelay } from '../helpers/process.js';

describe('relay start-up', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'touchpoint-start-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('migrates a new database, seeds the demo shop and creates the admin user', async () => {
    // On SQLite a file in a folder that does not exist yet; on PostgreSQL an empty database.
    const database = onPostgres
      ? await testDatabase({ prefix: 'start', empty: true })
      : { env: { TOUCHPOINT_DB: join(dir, 'sub', 'demo.db') }, drop: async () => {} };
    const relay = await spawnRelay({
      ...database.env,
      TOUCHPOINT_DEMO: '1',
      TOUCHPOINT_ADMIN_EMAIL: 'admin@example.test',
      TOUCHPOINT_ADMIN_PASSWORD: 'admin password',
    });
    try {
      const login = await fetch(`${relay.url}/api/auth/login/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'demo@touchpoint.local', password: 'touchpoint-demo' }),
      });
      expect(login.status).toBe(200);
      const token = ((await login.json()) as { result: { token: string } }).result.token;
      const shops = (await (
        await fetch(`${relay.url}/api/shop/shops/`, {
          headers: { authorization: `Bearer ${token}` },
        })
      ).json()) as {
        result: { results: { name: string }[] };
      };
      expect(shops.result.results.map((s) => s.name)).toEqual(['Demo Shop']);
      const admin = await fetch(`${relay.url}/api/auth/login/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'admin@example.test', password: 'admin password' }),
      });
      expect(admin.status).toBe(200);
    } finally {
      await relay.stop();
      await database.drop();
    }
  });

  it('stops with one clear line naming a bad variable', async () => {
    const { code, output } = await runRelayExpectingExit({
      PORT: 'eighty',
      TOUCHPOINT_DB: join(dir, 'x.db'),
    });
    expect(code).toBe(1);
    expect(output.trim()).toBe('touchpoint: Invalid PORT="eighty": must be a port number');
  });
});
