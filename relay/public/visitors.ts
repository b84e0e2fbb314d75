import type { Db } from '../db/open.js';
import { now } from '../db/open.js';
import type { Form } from '../forms/schemas.js';
import type { LeadValues } from '../forms/validate-fields.js';

/** What a lead tells about its visitor, copied onto the visitor's bot user. */
export type VisitorDetails = { name: string; phone: string; email: string };

/**
 * The shop's `web` bot and its bot users, one per website visitor (messenger_user_id =
 * the widget's visitor id). Synchronous, for the lead's write transaction.
 *
 * Lives here rather than in relay/bots and relay/bot-users because only the intake needs
 * find-or-create and an upsert by visitor; they could move into those stores later.
 */
export function createVisitorStore(db: Db) {
  const q = {
    webBot: db
      .prepare<[number], number>(
        `SELECT id FROM bots WHERE shop_id = ? AND bot_type = 'web' ORDER BY id LIMIT 1`,
      )
      .pluck(),
    insertWebBot: db
      .prepare<[number], number>(
        `INSERT INTO bots (shop_id, bot_type, name) VALUES (?, 'web', 'Website') RETURNING id`,
      )
      .pluck(),
    upsert: db
      .prepare<
        {
          shop_id: number;
          bot_id: number;
          visitor_id: string;
          name: string;
          phone: string;
          email: string;
          now: string;
        },
        number
      >(
        // A later lead from the same visitor fills in what it knows and keeps the rest.
        `INSERT INTO bot_users (shop_id, bot_id, messenger_user_id, visitor_id, name, phone, email,
           created_at, updated_at)
         VALUES (@shop_id, @bot_id, @visitor_id, @visitor_id, @name, @phone, @email, @now, @now)
         ON CONFLICT (bot_id, messenger_user_id) DO UPDATE SET
           name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE bot_users.name END,
           phone = CASE WHEN excluded.phone <> '' THEN excluded.phone ELSE bot_users.phone END,
           email = CASE WHEN excluded.email <> '' THEN excluded.email ELSE bot_users.email END,
           updated_at = excluded.updated_at
         RETURNING id`,
      )
      .pluck(),
    newestBotUser: db.prepare<[], number | null>(`SELECT max(id) FROM bot_users`).pluck(),
  };

  /** The shop's web bot, created on the first lead of a shop that has none. */
  const webBotInTx = (shopId: number): number =>
    q.webBot.get(shopId) ?? q.insertWebBot.get(shopId)!;

  return {
    webBotInTx,

    /** Creates or updates the visitor's bot user on the shop's web bot; returns its id. */
    upsertInTx(shopId: number, visitorId: string, details: VisitorDetails): number {
      const botId = webBotInTx(shopId);
      return q.upsert.get({
        shop_id: shopId,
        bot_id: botId,
        visitor_id: visitorId,
        ...details,
        now: now(),
      })!;
    },

    /** The id the next new bot user would get: the answer for a spam lead, which has none. */
    plausibleIdInTx(): number {
      return (q.newestBotUser.get() ?? 0) + 1;
    },
  };
}
export type VisitorStore = ReturnType<typeof createVisitorStore>;

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
