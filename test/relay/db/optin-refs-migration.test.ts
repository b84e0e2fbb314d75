import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../../relay/db/migrations.js';
import { openDb, type Db } from '../../../relay/db/open.js';
import type { SqliteDatabase } from '../../../relay/db/sqlite.js';
import { createStores } from '../../../relay/deps.js';
import { describeSqlite } from '../../helpers/engine.js';

/**
 * A database written before opt-in references and demo shops existed, opened by this code:
 * its orders get references, the seeded demo shop is marked, leads keep their one alert.
 * SQLite only: PostgreSQL's schema starts where these migrations end.
 */
describeSqlite(
  'migration: opt-in references, demo shops, announced leads',
  'the SQLite migration history',
  () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'touchpoint-migrate-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('fills what existing rows need and nothing more', async () => {
      const path = join(dir, 'old.db');
      const before = migrations.findIndex((m) => m.includes('optin_ref'));
      expect(before).toBeGreaterThan(0);
      const old = new Database(path);
      for (const sql of migrations.slice(0, before)) old.exec(sql);
      old.pragma(`user_version = ${before}`);
      old.exec(`
      INSERT INTO users (id, email, password_hash) VALUES
        (1, 'owner@example.test', 'x'), (2, 'demo@touchpoint.local', 'x');
      INSERT INTO shops (id, name) VALUES (1, 'Real shop'), (2, 'Demo Shop'), (3, 'Demo 2');
      INSERT INTO shop_members (shop_id, user_id) VALUES (1, 1), (2, 2), (3, 2);
      INSERT INTO orders (shop_id, number, external_id) VALUES
        (1, '1001', 'A'), (1, '1002', 'B'), (2, '1001', 'demo-1');
      INSERT INTO leads (id, shop_id, spam, created_at) VALUES
        (1, 1, 0, '2024-01-01T00:00:00.000Z'), (2, 1, 1, '2024-01-02T00:00:00.000Z');
      INSERT INTO bots (id, shop_id, bot_type, name) VALUES (1, 1, 'telegram', 'Bot');
      INSERT INTO messages (shop_id, bot_id, direction, content_type, payload) VALUES
        (1, 1, 'in', 'command', '{"text":"/start AbCdEfGhIjKlMnOpQrStUv"}'),
        (1, 1, 'in', 'text', '{"text":"/start is what I typed"}');
    `);
      old.close();

      const sqlite = (await openDb(path)) as Db & SqliteDatabase;
      const db = sqlite.raw;
      try {
        const refs = db
          .prepare(`SELECT optin_ref FROM orders ORDER BY id`)
          .pluck()
          .all() as string[];
        expect(refs).toHaveLength(3);
        for (const ref of refs) expect(ref).toMatch(/^[A-Za-z0-9_-]{22}$/);
        expect(new Set(refs).size).toBe(3);
        expect(db.prepare(`SELECT id, demo FROM shops ORDER BY id`).all()).toEqual([
          { id: 1, demo: 0 },
          { id: 2, demo: 1 },
          { id: 3, demo: 0 },
        ]);
        expect(db.prepare(`SELECT id, announced_at FROM leads ORDER BY id`).all()).toEqual([
          { id: 1, announced_at: '2024-01-01T00:00:00.000Z' },
          { id: 2, announced_at: null },
        ]);
        expect(db.prepare(`SELECT payload FROM messages ORDER BY id`).pluck().all()).toEqual([
          '{"text":"/start"}',
          '{"text":"/start is what I typed"}',
        ]);

        // The stores read the migrated rows: the old spam lead is released exactly once.
        const stores = createStores(sqlite);
        const raised: number[] = [];
        stores.events.on(async (_tx, e) => {
          if (e.name === 'lead.created') raised.push(e.lead.id);
        });
        await stores.leads.update(2, { spam: false });
        await stores.leads.update(1, { spam: true });
        await stores.leads.update(1, { spam: false });
        expect(raised).toEqual([2]);
        expect((await stores.orders.get(1))!.optin_ref).toBe(refs[0]);
        expect((await stores.shops.demoShop())!.id).toBe(2);
      } finally {
        await sqlite.close();
      }
    });
  },
);
