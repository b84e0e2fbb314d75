import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migrations } from '../../../relay/db/migrations.js';
import { openDb, type Db } from '../../../relay/db/open.js';
import type { SqliteDatabase } from '../../../relay/db/sqlite.js';

/**
 * A database from before WhatsApp and email, opened by this code: the alert channels and
 * deliveries tables are rebuilt (their CHECKs change) and nothing that refers to them is lost —
 * no attempt, history link or channel link, although a plain DROP with foreign keys on would
 * have cascaded. SQLite only: PostgreSQL alters its constraints in place.
 */
describe('migration: WhatsApp bots, email and WhatsApp alerts, delivery receipts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'touchpoint-migrate-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('rebuilds alert channels and deliveries keeping every row and reference', async () => {
    const path = join(dir, 'old.db');
    const before = migrations.findIndex((m) => m.includes('deliveries_v7'));
    expect(before).toBeGreaterThan(0);
    const old = new Database(path);
    old.pragma('foreign_keys = ON');
    for (const sql of migrations.slice(0, before)) old.exec(sql);
    old.pragma(`user_version = ${before}`);
    old.exec(`
      INSERT INTO shops (id, name) VALUES (1, 'Shop');
      INSERT INTO bots (id, shop_id, bot_type, name, credential) VALUES (1, 1, 'telegram', 'Bot', 'x'),
        (2, 1, 'whatsapp', '+7 (912) 345-67-89', NULL), (3, 1, 'whatsapp', 'Support', NULL),
        (4, 1, 'whatsapp', '+1 555 0100 12345 678', NULL);
      INSERT INTO bot_users (id, shop_id, bot_id, messenger_user_id, chat_id) VALUES (1, 1, 1, '42', '42');
      INSERT INTO notification_channels (id, shop_id, type, bot_id, chat_id, events)
        VALUES (7, 1, 'telegram', 1, '-100', '["lead.created"]');
      INSERT INTO deliveries (id, shop_id, event, kind, channel_id, bot_id, bot_user_id, chat_id, status, remote_id, claimed_by)
        VALUES (3, 1, 'lead.created', 'telegram', 7, 1, NULL, '-100', 'sent', '11', NULL),
               (4, 1, 'message', 'telegram', NULL, 1, 1, '42', 'sending', NULL, 'relay-a');
      INSERT INTO delivery_attempts (delivery_id, started_at, duration_ms, outcome)
        VALUES (3, '2025-01-01T00:00:00.000Z', 5, 'sent');
      INSERT INTO messages (shop_id, bot_id, bot_user_id, direction, delivery_id)
        VALUES (1, 1, 1, 'out', 4);
    `);
    old.close();

    const sqlite = (await openDb(path)) as Db & SqliteDatabase;
    const db = sqlite.raw;
    try {
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(
        db.prepare(`SELECT id, channel_id, status, remote_id, claimed_by FROM deliveries`).all(),
      ).toEqual([
        { id: 3, channel_id: 7, status: 'sent', remote_id: '11', claimed_by: null },
        { id: 4, channel_id: null, status: 'sending', remote_id: null, claimed_by: 'relay-a' },
      ]);
      expect(db.prepare(`SELECT count(*) FROM delivery_attempts`).pluck().get()).toBe(1);
      expect(db.prepare(`SELECT delivery_id FROM messages`).pluck().get()).toBe(4);
      expect(db.prepare(`SELECT type, settings FROM notification_channels`).get()).toEqual({
        type: 'telegram',
        settings: '{}',
      });
      expect(db.prepare(`SELECT id, settings, credentials FROM bots ORDER BY id`).all()).toEqual([
        { id: 1, settings: '{}', credentials: null },
        // An old WhatsApp bot's number moves from its name to its settings; no other name does.
        { id: 2, settings: '{"phone_number":"+79123456789"}', credentials: null },
        { id: 3, settings: '{}', credentials: null },
        { id: 4, settings: '{}', credentials: null },
      ]);
      // The new values pass the new CHECKs; unknown ones still do not.
      db.prepare(`UPDATE deliveries SET status = 'read' WHERE id = 3`).run();
      db.prepare(`UPDATE notification_channels SET type = 'whatsapp' WHERE id = 7`).run();
      expect(() => db.prepare(`UPDATE deliveries SET status = 'lost' WHERE id = 3`).run()).toThrow(
        /CHECK/,
      );
      // Foreign keys still hold on the rebuilt tables.
      expect(() =>
        db
          .prepare(
            `INSERT INTO delivery_attempts (delivery_id, started_at, duration_ms, outcome)
                    VALUES (99, '2025-01-01T00:00:00.000Z', 1, 'sent')`,
          )
          .run(),
      ).toThrow(/FOREIGN KEY/);
      db.prepare(`DELETE FROM deliveries WHERE id = 3`).run();
      expect(db.prepare(`SELECT count(*) FROM delivery_attempts`).pluck().get()).toBe(0);
    } finally {
      await sqlite.close();
    }
  });
});
