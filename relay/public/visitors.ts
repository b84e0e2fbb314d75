import { dialect } from '../db/dialect.js';
import type { Db } from '../db/open.js';
import { now } from '../db/open.js';
import { sql, type Tx } from '../db/sql.js';
import type { Form } from '../forms/schemas.js';
import type { LeadValues } from '../forms/validate-fields.js';

/** What a lead tells about its visitor, copied onto the visitor's bot user. */
export type VisitorDetails = { name: string; phone: string; email: string };

/** The visitor's parameters of `upsert` (and of the intake's statement built on it). */
export type VisitorParams = {
  shop_id: number;
  visitor_id: string;
  name: string;
  phone: string;
  email: string;
  now: string;
};

const q = {
  webBot: sql<number, { id: number }>(
    `SELECT id FROM bots WHERE shop_id = ? AND bot_type = 'web' ORDER BY id LIMIT 1`,
  ),
  insertWebBot: sql<number, { id: number }>(
    `INSERT INTO bots (shop_id, bot_type, name) VALUES (?, 'web', 'Website') RETURNING id`,
  ),
  upsert: sql<VisitorParams, { id: number }>(
    // On the shop's web bot, found in the same statement (one round trip on PostgreSQL): no
    // row when the shop has none yet. A later lead from the same visitor fills in what it
    // knows and keeps the rest.
    `INSERT INTO bot_users (shop_id, bot_id, messenger_user_id, visitor_id, name, phone, email,
       created_at, updated_at)
     SELECT @shop_id, b.id, @visitor_id, @visitor_id, @name, @phone, @email, @now, @now
     FROM bots b WHERE b.shop_id = @shop_id AND b.bot_type = 'web' ORDER BY b.id LIMIT 1
     ON CONFLICT (bot_id, messenger_user_id) DO UPDATE SET
       name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE bot_users.name END,
       phone = CASE WHEN excluded.phone <> '' THEN excluded.phone ELSE bot_users.phone END,
       email = CASE WHEN excluded.email <> '' THEN excluded.email ELSE bot_users.email END,
       updated_at = excluded.updated_at
     RETURNING id`,
  ),
  newestBotUser: sql<undefined, { id: number | null }>(`SELECT max(id) AS id FROM bot_users`),
};

/** The upsert's SQL, for a statement that writes the visitor and their lead at once. */
export const upsertVisitorSql = q.upsert.text('postgres');

/**
 * The shop's `web` bot and its bot users, one per website visitor (messenger_user_id =
 * the widget's visitor id), for the lead's write transaction.
 *
 * Lives here rather than in relay/bots and relay/bot-users because only the intake needs
 * find-or-create and an upsert by visitor; they could move into those stores later.
 */
export function createVisitorStore(db: Db) {
  const d = dialect(db.engine);
  // Two first leads of a shop at once (PostgreSQL, several writers) must not both create a
  // web bot: the second waits on the shop's row, then finds the first one's bot.
  const lockShop = sql<number, { id: number }>(`SELECT id FROM shops WHERE id = ?${d.forUpdate}`);

  /** The shop's web bot, created on the first lead of a shop that has none. */
  const webBotInTx = async (tx: Tx, shopId: number): Promise<number> => {
    const found = await tx.value(q.webBot, shopId);
    if (found !== undefined) return found;
    await tx.get(lockShop, shopId);
    return (await tx.value(q.webBot, shopId)) ?? (await tx.value(q.insertWebBot, shopId))!;
  };

  return {
    webBotInTx,

    /**
     * Creates or updates the visitor's bot user on the shop's web bot (made on the shop's
     * first lead); returns its id.
     */
    async upsertInTx(
      tx: Tx,
      shopId: number,
      visitorId: string,
      details: VisitorDetails,
    ): Promise<number> {
      const params = visitorParams(shopId, visitorId, details);
      const id = await tx.value(q.upsert, params);
      if (id !== undefined) return id;
      await webBotInTx(tx, shopId);
      return (await tx.value(q.upsert, params))!;
    },

    /** The id the next new bot user would get: the answer for a spam lead, which has none. */
    async plausibleIdInTx(tx: Tx): Promise<number> {
      return ((await tx.value(q.newestBotUser)) ?? 0) + 1;
    },
  };
}
export type VisitorStore = ReturnType<typeof createVisitorStore>;

export const visitorParams = (
  shopId: number,
  visitorId: string,
  details: VisitorDetails,
): VisitorParams => ({ shop_id: shopId, visitor_id: visitorId, ...details, now: now() });

/**
 * Name, phone and email from a lead's values, by field type (`tel`, `email`) and, for the
 * name, the first text field whose name contains "name" (`name`, `full_name`, `first_name`).
 */
export function visitorDetails(form: Form, values: LeadValues): VisitorDetails {
  const details: VisitorDetails = { name: '', phone: '', email: '' };
  for (const f of form.fields) {
    const v = values[f.name];
    if (typeof v !== 'string') continue;
    if (f.type === 'tel' && !details.phone) details.phone = v;
    else if (f.type === 'email' && !details.email) details.email = v;
    else if (f.type === 'text' && !details.name && /name/i.test(f.name))
      details.name = v.slice(0, 200);
  }
  return details;
}
