import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../../relay/db/open.js';
import type { SqliteDatabase } from '../../../relay/db/sqlite.js';
import { databaseBefore } from './old-database.js';

/**
 * A database from before Viber and VK adapters, opened by this code: the alert channels table
 * is rebuilt (its CHECK gains `viber` and `vk`) and nothing that refers to it is lost; old
 * Viber and VK bots keep their links, their chat URI and screen name moving from the name to
 * the settings. SQLite only: PostgreSQL alters its constraint in place.
 */
describe('migration: Viber and VK alert channels and bot settings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'touchpoint-migrate-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('rebuilds alert channels keeping every row and reference, and moves old names to settings', async () => {
    const path = join(dir, 'old.db');
    databaseBefore(
      path,
      'notification_channels_v9',
      `
      INSERT INTO shops (id, name) VALUES (1, 'Shop');
      INSERT INTO bots (id, shop_id, bot_type, name, credential, settings) VALUES
        (1, 1, 'telegram', 'Bot', 'x', '{}'), (2, 1, 'viber', 'shopviber', NULL, '{}'),
        (3, 1, 'vk', 'club.shop_1', NULL, '{}'), (4, 1, 'vk', 'Our VK page', NULL, '{}'),
        (5, 1, 'viber', 'kept', NULL, '{"uri":"real"}'), (6, 1, 'telegram', 'shop_bot', NULL, '{}');
      INSERT INTO notification_channels (id, shop_id, type, bot_id, chat_id, events, settings)
        VALUES (7, 1, 'telegram', 1, '-100', '["lead.created"]', '{}'),
               (8, 1, 'email', NULL, NULL, '["lead.created"]', '{"to":["a@shop.example"]}');
      INSERT INTO deliveries (id, shop_id, event, kind, channel_id, bot_id, chat_id, status, remote_id)
        VALUES (3, 1, 'lead.created', 'telegram', 7, 1, '-100', 'read', '11'),
               (4, 1, 'lead.created', 'email', 8, NULL, NULL, 'sent', NULL);
      INSERT INTO delivery_attempts (delivery_id, started_at, duration_ms, outcome)
        VALUES (3, '2025-01-01T00:00:00.000Z', 5, 'sent');
    `,
    );

    const sqlite = (await openDb(path)) as Db & SqliteDatabase;
    const db = sqlite.raw;
    try {
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(
        db.prepare(`SELECT id, type, chat_id, settings FROM notification_channels`).all(),
      ).toEqual([
        { id: 7, type: 'telegram', chat_id: '-100', settings: '{}' },
        { id: 8, type: 'email', chat_id: null, settings: '{"to":["a@shop.example"]}' },
      ]);
      expect(db.prepare(`SELECT id, channel_id, status FROM deliveries ORDER BY id`).all()).toEqual(
        [
          { id: 3, channel_id: 7, status: 'read' },
          { id: 4, channel_id: 8, status: 'sent' },
        ],
      );
      expect(db.prepare(`SELECT count(*) FROM delivery_attempts`).pluck().get()).toBe(1);
      expect(db.prepare(`SELECT id, settings FROM bots ORDER BY id`).all()).toEqual([
        { id: 1, settings: '{}' },
        { id: 2, settings: '{"uri":"shopviber"}' },
        { id: 3, settings: '{"screen_name":"club.shop_1"}' },
        // A name that is no screen name stays a name; settings already set are kept.
        { id: 4, settings: '{}' },
        { id: 5, settings: '{"uri":"real"}' },
        { id: 6, settings: '{}' },
      ]);
      db.prepare(`UPDATE notification_channels SET type = 'vk' WHERE id = 7`).run();
      db.prepare(`UPDATE notification_channels SET type = 'viber' WHERE id = 7`).run();
      expect(() =>
        db.prepare(`UPDATE notification_channels SET type = 'sms' WHERE id = 7`).run(),
      ).toThrow(/CHECK/);
      // The references hold both ways: a deleted channel leaves its deliveries without one.
      db.prepare(`DELETE FROM notification_channels WHERE id = 8`).run();
      expect(db.prepare(`SELECT channel_id FROM deliveries WHERE id = 4`).pluck().get()).toBeNull();
      db.prepare(`DELETE FROM bots WHERE id = 1`).run();
      expect(db.prepare(`SELECT count(*) FROM notification_channels`).pluck().get()).toBe(0);
    } finally {
      await sqlite.close();
    }
  });
});
