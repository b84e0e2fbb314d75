import { fromJson, now, type Db } from '../db/open.js';
import type { PageQuery } from '../http/pagination.js';
import { prepareExportQueries, type ExportBatch } from './export-sql.js';
import { FILTER, toFilter, type Filter } from './filter.js';
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
  'name' | 'lang_code' | 'avatar_url' | 'phone' | 'subscribed_to_bot' | 'user_vars'
>;
type NewRow = Writable & Pick<Row, 'shop_id' | 'bot_id' | 'messenger_user_id'>;
type RowUpdate = Writable & Pick<Row, 'id' | 'state' | 'updated_at'>;

/** Bot users (messenger subscribers), their tags, variables and links. */
export function createBotUserStore(db: Db) {
  db.function('lower_unicode', { deterministic: true }, (s: unknown) =>
    typeof s === 'string' ? s.toLowerCase() : s,
  );
  const select = `SELECT u.*, b.name AS bot_name, b.bot_type FROM bot_users u JOIN bots b ON b.id = u.bot_id`;
  const q = {
    get: db.prepare<[number], Row>(`${select} WHERE u.id = ?`),
    byMessengerId: db.prepare<{ bot_id: number; messenger_user_id: string }, { id: number }>(
      `SELECT id FROM bot_users WHERE bot_id = @bot_id AND messenger_user_id = @messenger_user_id`,
    ),
    list: db.prepare<Filter & PageQuery, Row>(
      `${select} WHERE ${FILTER} ORDER BY u.id LIMIT @limit OFFSET @offset`,
    ),
    count: db.prepare<Filter, { n: number }>(
      `SELECT count(*) AS n FROM bot_users u WHERE ${FILTER}`,
    ),
    tags: db.prepare<{ ids: string }, { owner: number; id: number; name: string }>(
      `SELECT bt.bot_user_id AS owner, t.id, t.name
       FROM bot_user_tags bt JOIN tags t ON t.id = bt.tag_id
       WHERE bt.bot_user_id IN (SELECT value FROM json_each(@ids)) ORDER BY t.name, t.id`,
    ),
    leads: db.prepare<{ ids: string }, { owner: number; value: number }>(
      `SELECT bot_user_id AS owner, id AS value FROM leads
       WHERE bot_user_id IN (SELECT value FROM json_each(@ids)) ORDER BY id`,
    ),
    orders: db.prepare<{ ids: string }, { owner: number; value: number }>(
      `SELECT bot_user_id AS owner, order_id AS value FROM bot_user_orders
       WHERE bot_user_id IN (SELECT value FROM json_each(@ids)) ORDER BY order_id`,
    ),
    shopTags: db.prepare<{ shop_id: number; ids: string }, { id: number }>(
      `SELECT id FROM tags WHERE shop_id = @shop_id AND id IN (SELECT value FROM json_each(@ids))`,
    ),
    insert: db.prepare<NewRow, { id: number }>(
      // A private chat's id is the user's own id (Telegram, the sandbox), so a bot user
      // created by hand can be messaged at once.
      `INSERT INTO bot_users (shop_id, bot_id, messenger_user_id, chat_id, name, lang_code, avatar_url,
         phone, subscribed_to_bot, user_vars)
       VALUES (@shop_id, @bot_id, @messenger_user_id, @messenger_user_id, @name, @lang_code, @avatar_url,
         @phone, @subscribed_to_bot, @user_vars) RETURNING id`,
    ),
    update: db.prepare<RowUpdate>(
      `UPDATE bot_users SET name = @name, state = @state, lang_code = @lang_code,
         avatar_url = @avatar_url, phone = @phone, subscribed_to_bot = @subscribed_to_bot,
         user_vars = @user_vars, updated_at = @updated_at
       WHERE id = @id`,
    ),
    clearTags: db.prepare<[number]>(`DELETE FROM bot_user_tags WHERE bot_user_id = ?`),
    addTag: db.prepare<[number, number]>(
      `INSERT OR IGNORE INTO bot_user_tags (bot_user_id, tag_id) VALUES (?, ?)`,
    ),
    delete: db.prepare<[number]>(`DELETE FROM bot_users WHERE id = ?`),
    export: prepareExportQueries(db),
  };

  /** Tags, leads and orders of a page of bot users: one query each, never one per row. */
  const related = (rows: Row[]): Related => {
    const ids = JSON.stringify(rows.map((r) => r.id));
    return {
      tags: group(
        q.tags.all({ ids }).map(({ owner, id, name }) => ({ owner, value: { id, name } })),
      ),
      leads: group(q.leads.all({ ids })),
      orders: group(q.orders.all({ ids })),
    };
  };
  const read = (id: number) => {
    const row = q.get.get(id);
    return row && toBotUser(row, related([row]));
  };
  const setTags = (id: number, tagIds: number[]) => {
    q.clearTags.run(id);
    for (const tagId of tagIds) q.addTag.run(id, tagId);
  };

  const createTx = db.transaction(
    (input: { shop_id: number; bot_id: number; messenger_user_id: string } & BotUserFields) => {
      const vars = Object.fromEntries(
        Object.entries(input.user_vars ?? {}).filter(([, v]) => v !== null),
      );
      const { id } = q.insert.get({
        shop_id: input.shop_id,
        bot_id: input.bot_id,
        messenger_user_id: input.messenger_user_id,
        name: input.name ?? '',
        lang_code: input.lang_code ?? '',
        avatar_url: input.avatar_url ?? '',
        phone: input.phone ?? '',
        subscribed_to_bot: input.subscribed_to_bot === false ? 0 : 1,
        user_vars: JSON.stringify(vars),
      })!;
      if (input.tag_ids) setTags(id, input.tag_ids);
      return id;
    },
  );

  const updateTx = db.transaction((id: number, f: BotUserFields) => {
    const cur = q.get.get(id);
    if (!cur) return false;
    const vars: Record<string, unknown> = fromJson(cur.user_vars, {});
    for (const [key, value] of Object.entries(f.user_vars ?? {})) {
      if (value === null) delete vars[key];
      else vars[key] = value;
    }
    q.update.run({
      id,
      name: f.name ?? cur.name,
      state: f.state ?? cur.state,
      lang_code: f.lang_code ?? cur.lang_code,
      avatar_url: f.avatar_url ?? cur.avatar_url,
      phone: f.phone ?? cur.phone,
      subscribed_to_bot:
        f.subscribed_to_bot === undefined ? cur.subscribed_to_bot : Number(f.subscribed_to_bot),
      user_vars: JSON.stringify(vars),
      updated_at: now(),
    });
    if (f.tag_ids) setTags(id, f.tag_ids);
    return true;
  });

  return {
    async get(id: number): Promise<BotUser | undefined> {
      return read(id);
    },

    /** `get`, synchronous, inside a write transaction (an event's data is read there). */
    getInTx: (id: number): BotUser | undefined => read(id),

    /** `update`, synchronous, as a savepoint of the caller's write transaction (the scenario runtime). */
    updateInTx(id: number, fields: BotUserFields): boolean {
      if (!db.inTransaction) throw new Error('botUsers.updateInTx called outside a transaction');
      return updateTx(id, fields);
    },

    async findByMessengerId(botId: number, messengerUserId: string): Promise<number | undefined> {
      return q.byMessengerId.get({ bot_id: botId, messenger_user_id: messengerUserId })?.id;
    },

    async list(
      shopId: number,
      filter: BotUserFilter,
      page: PageQuery,
    ): Promise<{ count: number; rows: BotUser[] }> {
      const f = toFilter(shopId, filter);
      const rows = q.list.all({ ...f, ...page });
      const rel = related(rows);
      return { count: q.count.get(f)!.n, rows: rows.map((r) => toBotUser(r, rel)) };
    },

    /** The ids among `tagIds` that are NOT tags of this shop. */
    async foreignTags(shopId: number, tagIds: number[]): Promise<number[]> {
      const own = new Set(
        q.shopTags.all({ shop_id: shopId, ids: JSON.stringify(tagIds) }).map((t) => t.id),
      );
      return tagIds.filter((id) => !own.has(id));
    },

    async create(
      input: { shop_id: number; bot_id: number; messenger_user_id: string } & BotUserFields,
    ): Promise<BotUser> {
      return read(createTx.immediate(input))!;
    },

    async update(id: number, fields: BotUserFields): Promise<BotUser | undefined> {
      return updateTx.immediate(id, fields) ? read(id) : undefined;
    },

    /**
     * Erases the bot user's personal data: the row goes, with its tags and order links;
     * leads stay, unlinked (bot_user_id becomes null).
     */
    async delete(id: number): Promise<boolean> {
      return q.delete.run(id).changes > 0;
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
      return q.export[format].get({ ...toFilter(shopId, filter), after, limit })!;
    },
  };
}
export type BotUserStore = ReturnType<typeof createBotUserStore>;
