import type { Events } from '../db/events.js';
import { fromJson, now, type Db } from '../db/open.js';
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
const FILTER = `l.shop_id = @shop_id AND l.spam = @spam
  AND (@status IS NULL OR l.status = @status)
  AND (@form_id IS NULL OR l.form_id = @form_id)
  AND (@bot_user_id IS NULL OR l.bot_user_id = @bot_user_id)`;
type FilterParams = {
  shop_id: number;
  spam: number;
  status: string | null;
  form_id: number | null;
  bot_user_id: number | null;
};

/** Leads of a shop. Newest first in lists. */
export function createLeadStore(db: Db, events: Events) {
  const q = {
    insert: db.prepare<Omit<Row, 'id' | 'form_name' | 'created_at' | 'updated_at'>, { id: number }>(
      `INSERT INTO leads (shop_id, form_id, fields, bot_user_id, status, spam, source, page, utm,
         consent, visitor_id, announced_at)
       VALUES (@shop_id, @form_id, @fields, @bot_user_id, @status, @spam, @source, @page, @utm,
         @consent, @visitor_id, @announced_at) RETURNING id`,
    ),
    // Once per lead: a lead that is not spam and was never announced is announced now.
    announce: db.prepare<{ id: number; now: string }>(
      `UPDATE leads SET announced_at = @now
       WHERE id = @id AND spam = 0 AND announced_at IS NULL`,
    ),
    get: db.prepare<[number], Row>(`${SELECT} WHERE l.id = ?`),
    list: db.prepare<FilterParams & PageQuery, Row>(
      `${SELECT} WHERE ${FILTER} ORDER BY l.id DESC LIMIT @limit OFFSET @offset`,
    ),
    count: db.prepare<FilterParams, { n: number }>(
      `SELECT count(*) AS n FROM leads l WHERE ${FILTER}`,
    ),
    update: db.prepare<{
      id: number;
      form_id: number | null;
      fields: string;
      bot_user_id: number | null;
      status: string;
      spam: number;
      updated_at: string;
    }>(
      `UPDATE leads SET form_id = @form_id, fields = @fields, bot_user_id = @bot_user_id,
         status = @status, spam = @spam, updated_at = @updated_at WHERE id = @id`,
    ),
    delete: db.prepare<[number]>(`DELETE FROM leads WHERE id = ?`),
    botUserShop: db.prepare<[number], { shop_id: number }>(
      `SELECT shop_id FROM bot_users WHERE id = ?`,
    ),
  };

  /**
   * The one way a lead is created, whoever creates it (API, widget intake, bot scenario).
   * `lead.created` is emitted inside this transaction, so the outbox rows a handler adds
   * commit with the lead or not at all (see relay/db/events.ts).
   */
  const createTx = db.transaction((input: NewLead): Lead => {
    const spam = input.spam ?? false;
    const { id } = q.insert.get({
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
    })!;
    const lead = toLead(q.get.get(id)!);
    if (!spam) events.emit({ name: 'lead.created', shop_id: lead.shop_id, lead });
    return lead;
  });

  /**
   * A manager's change. Releasing a lead from spam (`spam: false`) raises the `lead.created`
   * its quarantine held back — the alerts and webhooks queued in this transaction — once in
   * the lead's life: a lead announced before (at creation or an earlier release) is not
   * announced again, and marking a lead as spam raises nothing.
   */
  const updateTx = db.transaction((id: number, changes: LeadChanges): Lead | undefined => {
    const current = q.get.get(id);
    if (!current) return undefined;
    q.update.run({
      id,
      form_id: changes.form_id === undefined ? current.form_id : changes.form_id,
      fields: changes.fields ? JSON.stringify(changes.fields) : current.fields,
      bot_user_id: changes.bot_user_id === undefined ? current.bot_user_id : changes.bot_user_id,
      status: changes.status ?? current.status,
      spam: changes.spam === undefined ? current.spam : changes.spam ? 1 : 0,
      updated_at: now(),
    });
    const released = q.announce.run({ id, now: now() }).changes > 0;
    const lead = toLead(q.get.get(id)!);
    if (released) events.emit({ name: 'lead.created', shop_id: lead.shop_id, lead });
    return lead;
  });

  return {
    async create(input: NewLead): Promise<Lead> {
      return createTx.immediate(input);
    },

    /**
     * The same create, synchronous, for callers that already hold a write transaction (the
     * widget intake's group commit): it runs as a savepoint of theirs.
     */
    createInTx(input: NewLead): Lead {
      if (!db.inTransaction) throw new Error('leads.createInTx called outside a transaction');
      return createTx(input);
    },

    async get(id: number): Promise<Lead | undefined> {
      const row = q.get.get(id);
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
      return {
        count: q.count.get(params)!.n,
        rows: q.list.all({ ...params, ...page }).map(toLead),
      };
    },

    async update(id: number, changes: LeadChanges): Promise<Lead | undefined> {
      return updateTx.immediate(id, changes);
    },

    async delete(id: number): Promise<boolean> {
      return q.delete.run(id).changes > 0;
    },

    /** True when `botUserId` is a bot user of `shopId` (a reference check for lead bodies). */
    async hasBotUser(shopId: number, botUserId: number): Promise<boolean> {
      return q.botUserShop.get(botUserId)?.shop_id === shopId;
    },
  };
}
export type LeadStore = ReturnType<typeof createLeadStore>;

const json = (v: unknown) => (v == null ? null : JSON.stringify(v));
