import { fromJson, now, type Db } from '../db/open.js';
import { sql } from '../db/sql.js';
import type { PageQuery } from '../http/pagination.js';
import type { ChannelType, NotificationChannel } from './schemas.js';

type Row = {
  id: number;
  shop_id: number;
  type: ChannelType;
  bot_id: number | null;
  chat_id: string | null;
  url: string | null;
  events: string;
  enabled: number;
  created_at: string;
  updated_at: string;
};
const toChannel = (r: Row): NotificationChannel => ({
  id: r.id,
  shop_id: r.shop_id,
  type: r.type,
  bot_id: r.bot_id,
  chat_id: r.chat_id,
  url: r.url,
  events: fromJson(r.events, []),
  enabled: r.enabled === 1,
  created_at: r.created_at,
  updated_at: r.updated_at,
});

/** Every column a channel is written with (create, or update after merging a patch). */
export type ChannelWrite = {
  type: ChannelType;
  bot_id: number | null;
  chat_id: string | null;
  url: string | null;
  events: string[];
  enabled: boolean;
};

const columns = (w: ChannelWrite) => ({
  type: w.type,
  bot_id: w.bot_id,
  chat_id: w.chat_id,
  url: w.url,
  events: JSON.stringify(w.events),
  enabled: w.enabled ? 1 : 0,
});

const q = {
  insert: sql<Record<string, unknown>, Row>(
    `INSERT INTO notification_channels (shop_id, type, bot_id, chat_id, url, events, enabled)
     VALUES (@shop_id, @type, @bot_id, @chat_id, @url, @events, @enabled) RETURNING *`,
  ),
  get: sql<number, Row>(`SELECT * FROM notification_channels WHERE id = ?`),
  list: sql<{ shop_id: number; limit: number; offset: number }, Row>(
    `SELECT * FROM notification_channels WHERE shop_id = @shop_id ORDER BY id LIMIT @limit OFFSET @offset`,
  ),
  count: sql<number, { n: number }>(
    `SELECT count(*) AS n FROM notification_channels WHERE shop_id = ?`,
  ),
  update: sql<Record<string, unknown>, Row>(
    `UPDATE notification_channels SET type = @type, bot_id = @bot_id, chat_id = @chat_id,
       url = @url, events = @events, enabled = @enabled, updated_at = @now
     WHERE id = @id RETURNING *`,
  ),
  delete: sql<number, never>(`DELETE FROM notification_channels WHERE id = ?`),
};

/** Staff alert channels: where a shop's managers hear about leads and orders. */
export function createChannelStore(db: Db) {
  return {
    async create(shopId: number, input: ChannelWrite): Promise<NotificationChannel> {
      return toChannel((await db.get(q.insert, { shop_id: shopId, ...columns(input) }))!);
    },

    async get(id: number): Promise<NotificationChannel | undefined> {
      const row = await db.get(q.get, id);
      return row && toChannel(row);
    },

    async list(
      shopId: number,
      page: PageQuery,
    ): Promise<{ count: number; rows: NotificationChannel[] }> {
      const [count, rows] = await Promise.all([
        db.value(q.count, shopId),
        db.all(q.list, { shop_id: shopId, ...page }),
      ]);
      return { count: count ?? 0, rows: rows.map(toChannel) };
    },

    /** The whole channel as the route merged it (a patch applied to what it read). */
    async update(id: number, write: ChannelWrite): Promise<NotificationChannel | undefined> {
      const row = await db.get(q.update, { id, ...columns(write), now: now() });
      return row && toChannel(row);
    },

    async delete(id: number): Promise<boolean> {
      return (await db.run(q.delete, id)).changes > 0;
    },
  };
}
export type ChannelStore = ReturnType<typeof createChannelStore>;
