import { createChangeFeed, type ChangeFeed } from '../cluster/changes.js';
import { fromJson, now, type Db } from '../db/open.js';
import { dialect } from '../db/dialect.js';
import { sql, type Tx } from '../db/sql.js';
import type { PageQuery } from '../http/pagination.js';
import type { Consent, Form, FormField, FormInput, FormPatch } from './schemas.js';

type Row = {
  id: number;
  shop_id: number;
  name: string;
  fields: string;
  consent: string | null;
  min_fill_ms: number;
  created_at: string;
  updated_at: string;
};
const toForm = (r: Row): Form => ({
  id: r.id,
  shop_id: r.shop_id,
  name: r.name,
  fields: fromJson<FormField[]>(r.fields, []),
  consent: fromJson<Consent | null>(r.consent, null),
  min_fill_ms: r.min_fill_ms,
  created_at: r.created_at,
  updated_at: r.updated_at,
});

type Columns = { name: string; fields: string; consent: string | null; min_fill_ms: number };

const q = {
  insert: sql<Columns & { shop_id: number }, Row>(
    `INSERT INTO forms (shop_id, name, fields, consent, min_fill_ms)
     VALUES (@shop_id, @name, @fields, @consent, @min_fill_ms) RETURNING *`,
  ),
  get: sql<[number], Row>(`SELECT * FROM forms WHERE id = ?`),
  byName: sql<{ shop_id: number; name: string }, Row>(
    `SELECT * FROM forms WHERE shop_id = @shop_id AND name = @name`,
  ),
  list: sql<{ shop_id: number; limit: number; offset: number }, Row>(
    `SELECT * FROM forms WHERE shop_id = @shop_id ORDER BY id LIMIT @limit OFFSET @offset`,
  ),
  count: sql<[number], { n: number }>(`SELECT count(*) AS n FROM forms WHERE shop_id = ?`),
  update: sql<Columns & { id: number; updated_at: string }, Row>(
    `UPDATE forms SET name = @name, fields = @fields, consent = @consent,
       min_fill_ms = @min_fill_ms, updated_at = @updated_at
     WHERE id = @id RETURNING *`,
  ),
  delete: sql<[number], { shop_id: number }>(`DELETE FROM forms WHERE id = ? RETURNING shop_id`),
};

/** Lead forms of a shop. `fields` and `consent` are JSON documents validated by the API. */
/** `changes` hears of every form created, edited or deleted (the public API caches forms). */
export function createFormStore(db: Db, changes: ChangeFeed = createChangeFeed()) {
  const d = dialect(db.engine);
  const lockedGet = sql<[number], Row>(`SELECT * FROM forms WHERE id = ?${d.forUpdate}`);

  return {
    async create(shopId: number, input: Omit<FormInput, 'shop_id'>): Promise<Form> {
      const row = (await db.get(q.insert, {
        shop_id: shopId,
        name: input.name,
        fields: JSON.stringify(input.fields),
        consent: json(input.consent),
        min_fill_ms: input.min_fill_ms,
      }))!;
      changes.shop(shopId);
      return toForm(row);
    },

    async get(id: number): Promise<Form | undefined> {
      const row = await db.get(q.get, [id]);
      return row && toForm(row);
    },

    /** `get` inside the caller's write transaction (a scenario's lead step). */
    async getInTx(tx: Tx, id: number): Promise<Form | undefined> {
      const row = await tx.get(q.get, [id]);
      return row && toForm(row);
    },

    /** The shop's form with this key (`<tp-lead-form form="…">`). */
    async byName(shopId: number, name: string): Promise<Form | undefined> {
      const row = await db.get(q.byName, { shop_id: shopId, name });
      return row && toForm(row);
    },

    async list(shopId: number, page: PageQuery): Promise<{ count: number; rows: Form[] }> {
      return {
        count: (await db.value(q.count, [shopId]))!,
        rows: (await db.all(q.list, { shop_id: shopId, ...page })).map(toForm),
      };
    },

    async update(id: number, patch: FormPatch): Promise<Form | undefined> {
      // Read-modify-write: the row stays locked until the write, so two patches of
      // different fields (several relays) both land.
      const form = await db.tx(async (tx) => {
        const current = await tx.get(lockedGet, [id]);
        if (!current) return undefined;
        const row = await tx.get(q.update, {
          id,
          name: patch.name ?? current.name,
          fields: patch.fields ? JSON.stringify(patch.fields) : current.fields,
          consent: patch.consent === undefined ? current.consent : json(patch.consent),
          min_fill_ms: patch.min_fill_ms ?? current.min_fill_ms,
          updated_at: now(),
        });
        return row && toForm(row);
      });
      if (form) changes.shop(form.shop_id);
      return form;
    },

    /** Leads of a deleted form keep their fields; their `form` becomes null. */
    async delete(id: number): Promise<boolean> {
      const gone = await db.get(q.delete, [id]);
      if (gone) changes.shop(gone.shop_id);
      return gone !== undefined;
    },
  };
}
export type FormStore = ReturnType<typeof createFormStore>;

const json = (v: unknown) => (v == null ? null : JSON.stringify(v));
