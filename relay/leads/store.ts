import type { Events } from '../db/events.js';
import { dialect } from '../db/dialect.js';
import { fromJson, now, type Db } from '../db/open.js';
import { sql, type Tx } from '../db/sql.js';
import type { PageQuery } from '../http/pagination.js';
import type { Lead, LeadFilter, LeadPage, LeadSource, LeadStatus, LeadValue } from './schemas.js';

type Row = {
  id: number;
  shop_id: number;
  form_id: number | null;
  form_name: string | null;
  fields: string;
  bot_user_id: number | null;
  status: LeadStatus;
  spam: number;
  source: LeadSource;
  page: string | null;
  utm: string | null;
  consent: string | null;
  visitor_id: string | null;
  /** When `lead.created` was raised: at creation, or on release from spam; null while never. */
  announced_at: string | null;
  created_at: string;
  updated_at: string;
};
const toLead = (r: Row): Lead => ({
  id: r.id,
  shop_id: r.shop_id,
  form: r.form_id,
  form_name: r.form_name,
  fields: fromJson(r.fields, {}),
  bot_user_id: r.bot_user_id,
  status: r.status,
  spam: r.spam === 1,
  source: r.source,
  page: fromJson(r.page, null),
  utm: fromJson(r.utm, null),
  consent: fromJson(r.consent, null),
  visitor_id: r.visitor_id,
  created_at: r.created_at,
  updated_at: r.updated_at,
});

/** Everything a lead can be created with; the intake also fills page, utm, consent, visitor. */
export type NewLead = {
  shop_id: number;
  form_id?: number | null;
  fields: Record<string, LeadValue>;
  bot_user_id?: number | null;
  status?: LeadStatus;
  spam?: boolean;
  source?: LeadSource;
  page?: LeadPage | null;
  utm?: Record<string, string> | null;
  consent?: Record<string, unknown> | null;
  visitor_id?: string | null;
};

/** Writable after creation. References are checked by the caller (same shop). */
export type LeadChanges = Partial<
  Pick<NewLead, 'form_id' | 'fields' | 'bot_user_id' | 'status' | 'spam'>
>;

const SELECT = `SELECT l.*, f.name AS form_name FROM leads l LEFT JOIN forms f ON f.id = l.form_id`;
// `@p IS NULL` after the comparison that types `@p` (PostgreSQL cannot type it from IS NULL).
const FILTER = `l.shop_id = @shop_id AND l.spam = @spam
  AND (l.status = @status OR @status IS NULL)
  AND (l.form_id = @form_id OR @form_id IS NULL)
  AND (l.bot_user_id = @bot_user_id OR @bot_user_id IS NULL)`;
type FilterParams = {
  shop_id: number;
  spam: number;
  status: string | null;
  form_id: number | null;
  bot_user_id: number | null;
};

/**
 * A new lead, returned as `get` reads it (one round trip on PostgreSQL). By default its bot
 * user is a parameter; a statement built on this one (relay/public/lead-writer.ts) passes
 * the bot user it just upserted instead: `insertLead('visitor.id', 'FROM visitor')`, which
 * inserts nothing when that gave no row.
 */
export const insertLead = (botUserId = '@bot_user_id', from = '') =>
  `INSERT INTO leads (shop_id, form_id, fields, bot_user_id, status, spam, source, page, utm,
     consent, visitor_id, announced_at)
   SELECT @shop_id, @form_id, @fields, ${botUserId}, @status, @spam, @source, @page, @utm,
     @consent, @visitor_id, @announced_at ${from}
   RETURNING *, (SELECT f.name FROM forms f WHERE f.id = leads.form_id) AS form_name`;
export type LeadRow = Row;

const q = {
  insert: sql<Omit<Row, 'id' | 'form_name' | 'created_at' | 'updated_at'>, Row>(insertLead()),
  // Once per lead: a lead that is not spam and was never announced is announced now.
  announce: sql<{ id: number; now: string }, never>(
    `UPDATE leads SET announced_at = @now
     WHERE id = @id AND spam = 0 AND announced_at IS NULL`,
  ),
  get: sql<number, Row>(`${SELECT} WHERE l.id = ?`),
  list: sql<FilterParams & PageQuery, Row>(
    `${SELECT} WHERE ${FILTER} ORDER BY l.id DESC LIMIT @limit OFFSET @offset`,
  ),
  count: sql<FilterParams, { n: number }>(`SELECT count(*) AS n FROM leads l WHERE ${FILTER}`),
  update: sql<
    {
      id: number;
      form_id: number | null;
      fields: string;
      bot_user_id: number | null;
      status: string;
      spam: number;
      updated_at: string;
    },
    never
  >(
    `UPDATE leads SET form_id = @form_id, fields = @fields, bot_user_id = @bot_user_id,
       status = @status, spam = @spam, updated_at = @updated_at WHERE id = @id`,
  ),
  delete: sql<number, never>(`DELETE FROM leads WHERE id = ?`),
  botUserShop: sql<number, { shop_id: number }>(`SELECT shop_id FROM bot_users WHERE id = ?`),
};

/** Leads of a shop. Newest first in lists. */
export function createLeadStore(db: Db, events: Events) {
  const d = dialect(db.engine);
  // Read-modify-write of a manager's change: the row stays locked until it is written back
  // (PostgreSQL; SQLite's one writer holds it anyway).
  const lockedRow = sql<number, Omit<Row, 'form_name'>>(
    `SELECT * FROM leads WHERE id = ?${d.forUpdate}`,
  );

  /**
   * The one way a lead is created, whoever creates it (API, widget intake, bot scenario).
   * `lead.created` is emitted inside the caller's transaction, so the outbox rows a handler
   * adds commit with the lead or not at all (see relay/db/events.ts).
   */
  const createInTx = async (tx: Tx, input: NewLead): Promise<Lead> =>
    createdInTx(tx, (await tx.get(q.insert, insertParams(input)))!);

  /** A lead row just inserted: raises `lead.created` unless it is spam. */
  const createdInTx = async (tx: Tx, row: Row): Promise<Lead> => {
    const lead = toLead(row);
    if (!lead.spam) await events.emit(tx, { name: 'lead.created', shop_id: lead.shop_id, lead });
    return lead;
  };

  /**
   * A manager's change. Releasing a lead from spam (`spam: false`) raises the `lead.created`
   * its quarantine held back — the alerts and webhooks queued in this transaction — once in
   * the lead's life: a lead announced before (at creation or an earlier release) is not
   * announced again (the conditional UPDATE of `announce` decides, also between two
   * concurrent releases), and marking a lead as spam raises nothing.
   */
  const updateInTx = async (tx: Tx, id: number, changes: LeadChanges) => {
    const current = await tx.get(lockedRow, id);
    if (!current) return undefined;
    await tx.run(q.update, {
      id,
      form_id: changes.form_id === undefined ? current.form_id : changes.form_id,
      fields: changes.fields ? JSON.stringify(changes.fields) : current.fields,
      bot_user_id: changes.bot_user_id === undefined ? current.bot_user_id : changes.bot_user_id,
      status: changes.status ?? current.status,
      spam: changes.spam === undefined ? current.spam : changes.spam ? 1 : 0,
      updated_at: now(),
    });
    const released = (await tx.run(q.announce, { id, now: now() })).changes > 0;
    const lead = toLead((await tx.get(q.get, id))!);
    if (released) await events.emit(tx, { name: 'lead.created', shop_id: lead.shop_id, lead });
    return lead;
  };

  return {
    async create(input: NewLead): Promise<Lead> {
      return db.tx((tx) => createInTx(tx, input));
    },

    /**
     * The same create, inside a caller's transaction (the widget intake's group commit, the
     * bot scenario). A caller that must survive its failure runs it in `tx.savepoint`.
     */
    createInTx,

    /**
     * After a caller's own statement inserted the lead (`insertLead`, in the intake's one
     * statement on PostgreSQL): what `createInTx` does once its row is in.
     */
    createdInTx,

    async get(id: number): Promise<Lead | undefined> {
      const row = await db.get(q.get, id);
      return row && toLead(row);
    },

    async list(
      shopId: number,
      filter: LeadFilter,
      page: PageQuery,
    ): Promise<{ count: number; rows: Lead[] }> {
      const params: FilterParams = {
        shop_id: shopId,
        spam: filter.spam ? 1 : 0,
        status: filter.status ?? null,
        form_id: filter.form ?? null,
        bot_user_id: filter.bot_user_id ?? null,
      };
      const [count, rows] = await Promise.all([
        db.value(q.count, params),
        db.all(q.list, { ...params, ...page }),
      ]);
      return { count: count ?? 0, rows: rows.map(toLead) };
    },

    async update(id: number, changes: LeadChanges): Promise<Lead | undefined> {
      return db.tx((tx) => updateInTx(tx, id, changes));
    },

    /** The same change inside a caller's transaction (an alert's "Mark handled" button). */
    updateInTx,

    async delete(id: number): Promise<boolean> {
      return (await db.run(q.delete, id)).changes > 0;
    },

    /** True when `botUserId` is a bot user of `shopId` (a reference check for lead bodies). */
    async hasBotUser(shopId: number, botUserId: number): Promise<boolean> {
      return (await db.get(q.botUserShop, botUserId))?.shop_id === shopId;
    },
  };
}
export type LeadStore = ReturnType<typeof createLeadStore>;

const json = (v: unknown) => (v == null ? null : JSON.stringify(v));

/** `insertLead`'s parameters for a new lead (all but its bot user's, when a statement sets it). */
export const insertParams = (input: NewLead) => {
  const spam = input.spam ?? false;
  return {
    shop_id: input.shop_id,
    form_id: input.form_id ?? null,
    fields: JSON.stringify(input.fields),
    bot_user_id: input.bot_user_id ?? null,
    status: input.status ?? 'new',
    spam: spam ? 1 : 0,
    source: input.source ?? 'api',
    page: json(input.page),
    utm: json(input.utm),
    consent: json(input.consent),
    visitor_id: input.visitor_id ?? null,
    announced_at: spam ? null : now(),
  };
};
