import { fromJson, now, type Db } from '../db/open.js';
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

/** Lead forms of a shop. `fields` and `consent` are JSON documents validated by the API. */
export function createFormStore(db: Db) {
  const q = {
    insert: db.prepare<Columns & { shop_id: number }, Row>(
      `INSERT INTO forms (shop_id, name, fields, consent, min_fill_ms)
       VALUES (@shop_id, @name, @fields, @consent, @min_fill_ms) RETURNING *`,
    ),
    get: db.prepare<[number], Row>(`SELECT * FROM forms WHERE id = ?`),
    byName: db.prepare<{ shop_id: number; name: string }, Row>(
      `SELECT * FROM forms WHERE shop_id = @shop_id AND name = @name`,
    ),
    list: db.prepare<{ shop_id: number; limit: number; offset: number }, Row>(
      `SELECT * FROM forms WHERE shop_id = @shop_id ORDER BY id LIMIT @limit OFFSET @offset`,
    ),
    count: db.prepare<[number], { n: number }>(`SELECT count(*) AS n FROM forms WHERE shop_id = ?`),
    update: db.prepare<Columns & { id: number; updated_at: string }, Row>(
      `UPDATE forms SET name = @name, fields = @fields, consent = @consent,
         min_fill_ms = @min_fill_ms, updated_at = @updated_at
       WHERE id = @id RETURNING *`,
    ),
    delete: db.prepare<[number]>(`DELETE FROM forms WHERE id = ?`),
  };

  const updateTx = db.transaction((id: number, patch: FormPatch): Form | undefined => {
    const current = q.get.get(id);
    if (!current) return undefined;
    const row = q.update.get({
      id,
      name: patch.name ?? current.name,
      fields: patch.fields ? JSON.stringify(patch.fields) : current.fields,
      consent: patch.consent === undefined ? current.consent : json(patch.consent),
      min_fill_ms: patch.min_fill_ms ?? current.min_fill_ms,
      updated_at: now(),
    });
    return row && toForm(row);
  });

  return {
    async create(shopId: number, input: Omit<FormInput, 'shop_id'>): Promise<Form> {
      const row = q.insert.get({
        shop_id: shopId,
        name: input.name,
        fields: JSON.stringify(input.fields),
        consent: json(input.consent),
        min_fill_ms: input.min_fill_ms,
      })!;
      return toForm(row);
    },

    async get(id: number): Promise<Form | undefined> {
      const row = q.get.get(id);
      return row && toForm(row);
    },

    /** `get`, synchronous, inside a write transaction (a scenario's lead step). */
    getInTx(id: number): Form | undefined {
      const row = q.get.get(id);
      return row && toForm(row);
    },

    /** The shop's form with this key (`<tp-lead-form form="…">`). */
    async byName(shopId: number, name: string): Promise<Form | undefined> {
      const row = q.byName.get({ shop_id: shopId, name });
      return row && toForm(row);
    },

    async list(shopId: number, page: PageQuery): Promise<{ count: number; rows: Form[] }> {
      return {
        count: q.count.get(shopId)!.n,
        rows: q.list.all({ shop_id: shopId, ...page }).map(toForm),
      };
    },

    async update(id: number, patch: FormPatch): Promise<Form | undefined> {
      return updateTx.immediate(id, patch);
    },

    /** Leads of a deleted form keep their fields; their `form` becomes null. */
    async delete(id: number): Promise<boolean> {
      return q.delete.run(id).changes > 0;
    },
  };
}
export type FormStore = ReturnType<typeof createFormStore>;

const json = (v: unknown) => (v == null ? null : JSON.stringify(v));
