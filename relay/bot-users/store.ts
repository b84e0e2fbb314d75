import { fromJson, now, type Db } from '../db/open.js';
import { dialect } from '../db/dialect.js';
import { sql, type Queryable, type Tx } from '../db/sql.js';
import type { PageQuery } from '../http/pagination.js';
import { exportQueries, type ExportBatch } from './export-sql.js';
import { filterSql, toFilter, type Filter } from './filter.js';
import { group, toBotUser, type Related, type Row } from './rows.js';
import type { BotUser, BotUserFilter, ExportFormat, VarValue } from './schemas.js';

export type BotUserFields = {
  name?: string;
  state?: string;
  lang_code?: string;
  avatar_url?: string;
  phone?: string;
  subscribed_to_bot?: boolean;
  /** Replaces the set of tags. */
  tag_ids?: number[];
  /** Merged key by key; `null` removes a key. */
  user_vars?: Record<string, VarValue | null>;
};
type Writable = Pick<
  Row,
  | 'name'
  | 'lang_code'
  | 'avatar_url'
  | 'phone'
  | 'subscribed_to_bot'
  | 'unsubscribed_by'
  | 'user_vars'
>;
type NewRow = Writable & Pick<Row, 'shop_id' | 'bot_id' | 'messenger_user_id'>;
type RowUpdate = Writable & Pick<Row, 'id' | 'state' | 'updated_at'>;
type Stored = Omit<Row, 'bot_name' | 'bot_type'>;

/**
 * A manager's `subscribed_to_bot`: switched off, the person stays off even when they write
 * again (relay/channels/inbound.ts `returned`) until a manager switches them on or they start
 * the bot explicitly; switched on, whoever had unsubscribed them no longer counts.
 */
const switched = (on: boolean): Pick<Row, 'subscribed_to_bot' | 'unsubscribed_by'> =>
  on
    ? { subscribed_to_bot: 1, unsubscribed_by: null }
    : { subscribed_to_bot: 0, unsubscribed_by: 'manager' };

/** Bot users (messenger subscribers), their tags, variables and links. */
export function createBotUserStore(db: Db) {
  const d = dialect(db.engine);
  const filter = filterSql(db.engine);
  const select = `SELECT u.*, b.name AS bot_name, b.bot_type FROM bot_users u JOIN bots b ON b.id = u.bot_id`;
  const q = {
    get: sql<[number], Row>(`${select} WHERE u.id = ?`),
    // The row alone (no join: only it is locked), for a read-modify-write.
    lockedGet: sql<[number], Stored>(`SELECT * FROM bot_users WHERE id = ?${d.forUpdate}`),
    byMessengerId: sql<{ bot_id: number; messenger_user_id: string }, { id: number }>(
      `SELECT id FROM bot_users WHERE bot_id = @bot_id AND messenger_user_id = @messenger_user_id`,
    ),
    list: sql<Filter & PageQuery, Row>(
      `${select} WHERE ${filter} ORDER BY u.id LIMIT @limit OFFSET @offset`,
    ),
    count: sql<Filter, { n: number }>(`SELECT count(*) AS n FROM bot_users u WHERE ${filter}`),
    tags: sql<{ ids: string }, { owner: number; id: number; name: string }>(
      `SELECT bt.bot_user_id AS owner, t.id, t.name
       FROM bot_user_tags bt JOIN tags t ON t.id = bt.tag_id
       WHERE bt.bot_user_id IN ${d.ids('@ids')} ORDER BY t.name, t.id`,
    ),
    leads: sql<{ ids: string }, { owner: number; value: number }>(
      `SELECT bot_user_id AS owner, id AS value FROM leads
       WHERE bot_user_id IN ${d.ids('@ids')} ORDER BY id`,
    ),
    orders: sql<{ ids: string }, { owner: number; value: number }>(
      `SELECT bot_user_id AS owner, order_id AS value FROM bot_user_orders
       WHERE bot_user_id IN ${d.ids('@ids')} ORDER BY order_id`,
    ),
    shopTags: sql<{ shop_id: number; ids: string }, { id: number }>(
      `SELECT id FROM tags WHERE shop_id = @shop_id AND id IN ${d.ids('@ids')}`,
    ),
    insert: sql<NewRow, { id: number }>(
      // A private chat's id is the user's own id (Telegram, the sandbox), so a bot user
      // created by hand can be messaged at once.
      `INSERT INTO bot_users (shop_id, bot_id, messenger_user_id, chat_id, name, lang_code, avatar_url,
         phone, subscribed_to_bot, unsubscribed_by, user_vars)
       VALUES (@shop_id, @bot_id, @messenger_user_id, @messenger_user_id, @name, @lang_code, @avatar_url,
         @phone, @subscribed_to_bot, @unsubscribed_by, @user_vars) RETURNING id`,
    ),
    update: sql<RowUpdate, never>(
      `UPDATE bot_users SET name = @name, state = @state, lang_code = @lang_code,
         avatar_url = @avatar_url, phone = @phone, subscribed_to_bot = @subscribed_to_bot,
         unsubscribed_by = @unsubscribed_by, user_vars = @user_vars, updated_at = @updated_at
       WHERE id = @id`,
    ),
    clearTags: sql<[number], never>(`DELETE FROM bot_user_tags WHERE bot_user_id = ?`),
    addTag: sql<[number, number], never>(
      `INSERT INTO bot_user_tags (bot_user_id, tag_id) VALUES (?, ?) ON CONFLICT DO NOTHING`,
    ),
    delete: sql<[number], never>(`DELETE FROM bot_users WHERE id = ?`),
    byIds: sql<{ ids: string }, Row>(`${select} WHERE u.id IN ${d.ids('@ids')}`),
  };

  /** Tags, leads and orders of a page of bot users: one query each, never one per row. */
  const related = async (c: Queryable, rows: Row[]): Promise<Related> => {
    const ids = JSON.stringify(rows.map((r) => r.id));
    const tags = await c.all(q.tags, { ids });
    return {
      tags: group(tags.map(({ owner, id, name }) => ({ owner, value: { id, name } }))),
      leads: group(await c.all(q.leads, { ids })),
      orders: group(await c.all(q.orders, { ids })),
    };
  };
  const read = async (c: Queryable, id: number) => {
    const row = await c.get(q.get, [id]);
    return row && toBotUser(row, await related(c, [row]));
  };
  const setTags = async (tx: Tx, id: number, tagIds: number[]) => {
    await tx.run(q.clearTags, [id]);
    for (const tagId of tagIds) await tx.run(q.addTag, [id, tagId]);
  };

  /**
   * Read-modify-write of the bot user (user_vars merge key by key): the row is read with a
   * lock that holds until the transaction ends, so two merges at once (a manager's PATCH,
   * the person's answer in a flow, on different relays) both keep their keys.
   */
  const updateInTx = async (tx: Tx, id: number, f: BotUserFields): Promise<boolean> => {
    const cur = await tx.get(q.lockedGet, [id]);
    if (!cur) return false;
    const vars: Record<string, unknown> = fromJson(cur.user_vars, {});
    for (const [key, value] of Object.entries(f.user_vars ?? {})) {
      if (value === null) delete vars[key];
      else vars[key] = value;
    }
    await tx.run(q.update, {
      id,
      name: f.name ?? cur.name,
      state: f.state ?? cur.state,
      lang_code: f.lang_code ?? cur.lang_code,
      avatar_url: f.avatar_url ?? cur.avatar_url,
      phone: f.phone ?? cur.phone,
      ...(f.subscribed_to_bot === undefined
        ? { subscribed_to_bot: cur.subscribed_to_bot, unsubscribed_by: cur.unsubscribed_by }
        : switched(f.subscribed_to_bot)),
      user_vars: JSON.stringify(vars),
      updated_at: now(),
    });
    if (f.tag_ids) await setTags(tx, id, f.tag_ids);
    return true;
  };

  return {
    async get(id: number): Promise<BotUser | undefined> {
      return read(db, id);
    },

    /** `get` inside a write transaction (an event's data is read there). */
    getInTx: (tx: Tx, id: number): Promise<BotUser | undefined> => read(tx, id),

    /** `update` as part of the caller's write transaction (the scenario runtime). */
    updateInTx,

    async findByMessengerId(botId: number, messengerUserId: string): Promise<number | undefined> {
      return (await db.get(q.byMessengerId, { bot_id: botId, messenger_user_id: messengerUserId }))
        ?.id;
    },

    async list(
      shopId: number,
      filter: BotUserFilter,
      page: PageQuery,
    ): Promise<{ count: number; rows: BotUser[] }> {
      const f = toFilter(shopId, filter);
      const rows = await db.all(q.list, { ...f, ...page });
      const rel = await related(db, rows);
      return {
        count: (await db.value(q.count, f))!,
        rows: rows.map((r) => toBotUser(r, rel)),
      };
    },

    /** Bot users by id, in the order given (ids that do not exist are left out). */
    async byIds(ids: number[]): Promise<BotUser[]> {
      if (!ids.length) return [];
      const rows = await db.all(q.byIds, { ids: JSON.stringify(ids) });
      const rel = await related(db, rows);
      const byId = new Map(rows.map((r) => [r.id, toBotUser(r, rel)]));
      return ids.flatMap((id) => byId.get(id) ?? []);
    },

    /** The ids among `tagIds` that are NOT tags of this shop. */
    async foreignTags(shopId: number, tagIds: number[]): Promise<number[]> {
      const rows = await db.all(q.shopTags, { shop_id: shopId, ids: JSON.stringify(tagIds) });
      const own = new Set(rows.map((t) => t.id));
      return tagIds.filter((id) => !own.has(id));
    },

    async create(
      input: { shop_id: number; bot_id: number; messenger_user_id: string } & BotUserFields,
    ): Promise<BotUser> {
      return db.tx(async (tx) => {
        const vars = Object.fromEntries(
          Object.entries(input.user_vars ?? {}).filter(([, v]) => v !== null),
        );
        const { id } = (await tx.get(q.insert, {
          shop_id: input.shop_id,
          bot_id: input.bot_id,
          messenger_user_id: input.messenger_user_id,
          name: input.name ?? '',
          lang_code: input.lang_code ?? '',
          avatar_url: input.avatar_url ?? '',
          phone: input.phone ?? '',
          ...switched(input.subscribed_to_bot !== false),
          user_vars: JSON.stringify(vars),
        }))!;
        if (input.tag_ids) await setTags(tx, id, input.tag_ids);
        return (await read(tx, id))!;
      });
    },

    async update(id: number, fields: BotUserFields): Promise<BotUser | undefined> {
      return db.tx(async (tx) => ((await updateInTx(tx, id, fields)) ? read(tx, id) : undefined));
    },

    /**
     * Erases the bot user's personal data: the row goes, with its tags and order links;
     * leads stay, unlinked (bot_user_id becomes null).
     */
    async delete(id: number): Promise<boolean> {
      return (await db.run(q.delete, [id])).changes > 0;
    },

    /**
     * One keyset batch of the export (bot users with id > `after`), already encoded as CSV
     * lines or NDJSON lines: see export-sql.ts.
     */
    async exportBatch(
      format: ExportFormat,
      shopId: number,
      filter: BotUserFilter,
      after: number,
      limit: number,
    ): Promise<ExportBatch> {
      return (await db.get(exportQueries[format], { ...toFilter(shopId, filter), after, limit }))!;
    },
  };
}
export type BotUserStore = ReturnType<typeof createBotUserStore>;
