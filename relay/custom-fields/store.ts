import { now, type Db } from '../db/open.js';
import type { PageQuery } from '../http/pagination.js';
import type { CustomField, CustomFieldType } from './schemas.js';

type Row = CustomField;
const toField = (r: Row): CustomField => ({
  id: r.id,
  shop_id: r.shop_id,
  name: r.name,
  type: r.type,
  description: r.description,
  created_at: r.created_at,
  updated_at: r.updated_at,
});

type Values = { name: string; type: CustomFieldType; description: string };

/**
 * A shop's declared user variables ("custom fields"). Declaring one names and types it for
 * managers; a bot user's `user_vars` may still hold keys that were never declared.
 */
export function createCustomFieldStore(db: Db) {
  const q = {
    insert: db.prepare<Values & { shop_id: number }, Row>(
      `INSERT INTO custom_fields (shop_id, name, type, description)
       VALUES (@shop_id, @name, @type, @description) RETURNING *`,
    ),
    get: db.prepare<[number], Row>(`SELECT * FROM custom_fields WHERE id = ?`),
    byName: db.prepare<{ shop_id: number; name: string }, Row>(
      `SELECT * FROM custom_fields WHERE shop_id = @shop_id AND name = @name`,
    ),
    list: db.prepare<{ shop_id: number; limit: number; offset: number }, Row>(
      `SELECT * FROM custom_fields WHERE shop_id = @shop_id ORDER BY id LIMIT @limit OFFSET @offset`,
    ),
    count: db.prepare<[number], { n: number }>(
      `SELECT count(*) AS n FROM custom_fields WHERE shop_id = ?`,
    ),
    update: db.prepare<Values & { id: number; updated_at: string }, Row>(
      `UPDATE custom_fields SET name = @name, type = @type, description = @description,
       updated_at = @updated_at WHERE id = @id RETURNING *`,
    ),
    delete: db.prepare<[number]>(`DELETE FROM custom_fields WHERE id = ?`),
  };

  return {
    async create(input: Values & { shop_id: number }): Promise<CustomField> {
      return toField(q.insert.get(input)!);
    },

    async get(id: number): Promise<CustomField | undefined> {
      const row = q.get.get(id);
      return row && toField(row);
    },

    async findByName(shopId: number, name: string): Promise<CustomField | undefined> {
      const row = q.byName.get({ shop_id: shopId, name });
      return row && toField(row);
    },

    async list(shopId: number, page: PageQuery): Promise<{ count: number; rows: CustomField[] }> {
      return {
        count: q.count.get(shopId)!.n,
        rows: q.list.all({ shop_id: shopId, ...page }).map(toField),
      };
    },

    async update(id: number, patch: Partial<Values>): Promise<CustomField | undefined> {
      const current = q.get.get(id);
      if (!current) return undefined;
      const row = q.update.get({
        id,
        name: patch.name ?? current.name,
        type: patch.type ?? current.type,
        description: patch.description ?? current.description,
        updated_at: now(),
      });
      return row && toField(row);
    },

    /** Removes the declaration only; values already in bot users' user_vars stay. */
    async delete(id: number): Promise<boolean> {
      return q.delete.run(id).changes > 0;
    },
  };
}
export type CustomFieldStore = ReturnType<typeof createCustomFieldStore>;
