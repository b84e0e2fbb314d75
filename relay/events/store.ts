import { dialect, type Dialect } from '../db/dialect.js';
import { fromJson, type Db } from '../db/open.js';
import { sql, type Tx } from '../db/sql.js';
import type { EventType } from './types.js';

export type ChannelTarget = {
  id: number;
  type: 'telegram' | 'whatsapp' | 'webhook' | 'email';
  bot_id: number | null;
  /** The bot's messenger (`telegram`, `sandbox`, `whatsapp`): the delivery's adapter kind. */
  bot_type: string | null;
  /** A Telegram chat; a WhatsApp number (E.164). */
  chat_id: string | null;
  url: string | null;
  /** JSON: a WhatsApp alert template (email addresses are read when sending). */
  settings: string;
};

const subscribed = (d: Dialect) => d.jsonHas('events', '@event');

/**
 * What the event fan-out reads: the shop's enabled alert channels and webhook endpoints
 * subscribed to an event, and a lead form's labels. Its methods take the write transaction
 * of the event (relay/events/emit.ts).
 */
export function createEventTargetStore(db: Db) {
  const d = dialect(db.engine);
  const q = {
    channels: sql<{ shop_id: number; event: string }, ChannelTarget>(
      `SELECT c.id, c.type, c.bot_id, b.bot_type, c.chat_id, c.url, c.settings
       FROM notification_channels c LEFT JOIN bots b ON b.id = c.bot_id
       WHERE c.shop_id = @shop_id AND c.enabled = 1
         AND ${subscribed(d)}
       ORDER BY c.id`,
    ),
    endpoints: sql<{ shop_id: number; event: string }, { id: number }>(
      `SELECT id FROM webhook_endpoints
       WHERE shop_id = @shop_id AND enabled = 1 AND ${subscribed(d)} ORDER BY id`,
    ),
    formFields: sql<number, { fields: string }>(`SELECT fields FROM forms WHERE id = ?`),
  };

  return {
    async targetsInTx(tx: Tx, shopId: number, event: EventType) {
      const params = { shop_id: shopId, event };
      return {
        channels: await tx.all(q.channels, params),
        endpoints: await tx.all(q.endpoints, params),
      };
    },

    /** Field name → English label of a lead form (alerts show labels, not field names). */
    async formLabelsInTx(tx: Tx, formId: number): Promise<Record<string, string>> {
      const row = await tx.get(q.formFields, formId);
      const fields = fromJson<{ name: string; label?: { en?: string } }[]>(row?.fields, []);
      return Object.fromEntries(fields.map((f) => [f.name, f.label?.en ?? f.name]));
    },
  };
}
export type EventTargetStore = ReturnType<typeof createEventTargetStore>;
