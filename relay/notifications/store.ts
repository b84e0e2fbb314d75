import { fromJson, now, type Db } from '../db/open.js';
import { sql } from '../db/sql.js';
import type { PageQuery } from '../http/pagination.js';
import type { WhatsAppTemplate } from '../channels/whatsapp/settings.js';
import type { ChannelType, NotificationChannel } from './schemas.js';

type Row = {
  id: number;
  shop_id: number;
  type: ChannelType;
  bot_id: number | null;
  chat_id: string | null;
  url: string | null;
  settings: string;
  events: string;
  enabled: number;
  created_at: string;
  updated_at: string;
};

/** What a type keeps in `settings`: email recipients, a WhatsApp alert template. */
type Settings = { to?: string[]; whatsapp_template?: WhatsAppTemplate };

/** A WhatsApp channel keeps the manager's number (E.164) in `chat_id`, its sending address. */
const toChannel = (r: Row): NotificationChannel => {
  const settings = fromJson<Settings>(r.settings, {});
  const whatsapp = r.type === 'whatsapp';
  return {
    id: r.id,
    shop_id: r.shop_id,
    type: r.type,
    bot_id: r.bot_id,
    chat_id: whatsapp ? null : r.chat_id,
    phone: whatsapp ? r.chat_id : null,
    whatsapp_template: settings.whatsapp_template ?? null,
    to: settings.to ?? null,
    url: r.url,
    events: fromJson(r.events, []),
    enabled: r.enabled === 1,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
};

/** Every column a channel is written with (create, or update after merging a patch). */
export type ChannelWrite = {
  type: ChannelType;
  bot_id: number | null;
  chat_id: string | null;
  /** whatsapp: the manager's number (E.164). */
  phone?: string | null;
  whatsapp_template?: WhatsAppTemplate | null;
  /** email: the recipients. */
  to?: string[] | null;
  url: string | null;
  events: string[];
  enabled: boolean;
};

const columns = (w: ChannelWrite) => {
  const settings: Settings = {};
  if (w.to) settings.to = w.to;
  if (w.whatsapp_template) settings.whatsapp_template = w.whatsapp_template;
  return {
    type: w.type,
    bot_id: w.bot_id,
    chat_id: w.type === 'whatsapp' ? (w.phone ?? null) : w.chat_id,
    url: w.url,
    settings: JSON.stringify(settings),
    events: JSON.stringify(w.events),
    enabled: w.enabled ? 1 : 0,
  };
};

const q = {
  insert: sql<Record<string, unknown>, Row>(
    `INSERT INTO notification_channels (shop_id, type, bot_id, chat_id, url, settings, events, enabled)
     VALUES (@shop_id, @type, @bot_id, @chat_id, @url, @settings, @events, @enabled) RETURNING *`,
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
       url = @url, settings = @settings, events = @events, enabled = @enabled, updated_at = @now
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
