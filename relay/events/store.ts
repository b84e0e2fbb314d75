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

const subscribed = (d: Dialect, column: string) => d.jsonHas(column, '@event');

/** A row of `targetsSql`: `target` says which of the two it is. */
export type TargetRow = ChannelTarget & { target: 'channel' | 'endpoint' };

/**
 * The shop's (`@shop_id`) enabled alert channels and webhook endpoints subscribed to
 * `@event`, in one statement: one round trip inside the event's transaction. The intake's
 * own statement on PostgreSQL reads them too (relay/public/lead-writer.ts, `primeInTx`).
 */
export const targetsSql = (d: Dialect) =>
  `SELECT 'channel' AS target, c.id, c.type, c.bot_id, b.bot_type, c.chat_id, c.url, c.settings
   FROM notification_channels c LEFT JOIN bots b ON b.id = c.bot_id
   WHERE c.shop_id = @shop_id AND c.enabled = 1
     AND ${subscribed(d, 'c.events')}
   UNION ALL
   SELECT 'endpoint', e.id, NULL, NULL, NULL, NULL, NULL, '{}' FROM webhook_endpoints e
   WHERE e.shop_id = @shop_id AND e.enabled = 1 AND ${subscribed(d, 'e.events')}
   ORDER BY 1, 2`;

const split = (rows: TargetRow[]) => ({
  channels: rows
    .filter((r) => r.target === 'channel')
    .map(({ target: _, ...channel }): ChannelTarget => channel),
  endpoints: rows.filter((r) => r.target === 'endpoint').map((r) => ({ id: r.id })),
});

/**
 * What the event fan-out reads: the shop's enabled alert channels and webhook endpoints
 * subscribed to an event, and a lead form's labels. Its methods take the write transaction
 * of the event (relay/events/emit.ts).
 */
export function createEventTargetStore(db: Db) {
  const d = dialect(db.engine);
  const q = {
    targets: sql<{ shop_id: number; event: string }, TargetRow>(targetsSql(d)),
    formFields: sql<number, { fields: string }>(`SELECT fields FROM forms WHERE id = ?`),
    channel: sql<[number], ChannelTarget>(
      `SELECT c.id, c.type, c.bot_id, b.bot_type, c.chat_id, c.url, c.settings
       FROM notification_channels c LEFT JOIN bots b ON b.id = c.bot_id WHERE c.id = ?`,
    ),
  };

  /** Targets a statement of the transaction read already, by `shop:event`. */
  const primed = new WeakMap<Tx, Map<string, TargetRow[]>>();

  return {
    async targetsInTx(tx: Tx, shopId: number, event: EventType) {
      const known = primed.get(tx)?.get(`${shopId}:${event}`);
      return split(known ?? (await tx.all(q.targets, { shop_id: shopId, event })));
    },

    /** `targetsSql`'s rows, read by the caller's own statement in `tx`: not read again. */
    primeInTx(tx: Tx, shopId: number, event: EventType, rows: TargetRow[]) {
      const forTx = primed.get(tx) ?? new Map<string, TargetRow[]>();
      forTx.set(`${shopId}:${event}`, rows);
      primed.set(tx, forTx);
    },

    /** One alert channel as a target, enabled or not, whatever its events (a test alert). */
    async channelInTx(tx: Tx, id: number): Promise<ChannelTarget | undefined> {
      return tx.get(q.channel, [id]);
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
