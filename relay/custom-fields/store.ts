import { now, type Db } from '../db/open.js';
import { dialect } from '../db/dialect.js';
import { sql } from '../db/sql.js';
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

const q = {
  insert: sql<Values & { shop_id: number }, Row>(
    `INSERT INTO custom_fields (shop_id, name, type, description)
     VALUES (@shop_id, @name, @type, @description) RETURNING *`,
  ),
  get: sql<[number], Row>(`SELECT * FROM custom_fields WHERE id = ?`),
  byName: sql<{ shop_id: number; name: string }, Row>(
    `SELECT * FROM custom_fields WHERE shop_id = @shop_id AND name = @name`,
  ),
  list: sql<{ shop_id: number; limit: number; offset: number }, Row>(
    `SELECT * FROM custom_fields WHERE shop_id = @shop_id ORDER BY id LIMIT @limit OFFSET @offset`,
  ),
  count: sql<[number], { n: number }>(`SELECT count(*) AS n FROM custom_fields WHERE shop_id = ?`),
  update: sql<Values & { id: number; updated_at: string }, Row>(
    `UPDATE custom_fields SET name = @name, type = @type, description = @description,
     updated_at = @updated_at WHERE id = @id RETURNING *`,
  ),
  delete: sql<[number], never>(`DELETE FROM custom_fields WHERE id = ?`),
};

/**
 * A shop's declared user variables ("custom fields"). Declaring one names and types it for
 * managers; a bot user's `user_vars` may still hold keys that were never declared.
 */
export function createCustomFieldStore(db: Db) {
  const d = dialect(db.engine);
  const lockedGet = sql<[number], Row>(`SELECT * FROM custom_fields WHERE id = ?${d.forUpdate}`);

  return {
    async create(input: Values & { shop_id: number }): Promise<CustomField> {
      return toField((await db.get(q.insert, input))!);
    },

    async get(id: number): Promise<CustomField | undefined> {
      const row = await db.get(q.get, [id]);
      return row && toField(row);
    },

    async findByName(shopId: number, name: string): Promise<CustomField | undefined> {
      const row = await db.get(q.byName, { shop_id: shopId, name });
      return row && toField(row);
    },

    async list(shopId: number, page: PageQuery): Promise<{ count: number; rows: CustomField[] }> {
      return {
        count: (await db.value(q.count, [shopId]))!,
        rows: (await db.all(q.list, { shop_id: shopId, ...page })).map(toField),
      };
    },

    async update(id: number, patch: Partial<Values>): Promise<CustomField | undefined> {
      // Read-modify-write: the row is locked until the write, so two patches of different
      // fields (several relays) both land instead of the second undoing the first.
      return db.tx(async (tx) => {
        const current = await tx.get(lockedGet, [id]);
        if (!current) return undefined;
        const row = await tx.get(q.update, {
          id,
          name: patch.name ?? current.name,
          type: patch.type ?? current.type,
          description: patch.description ?? current.description,
          updated_at: now(),
        });
        return row && toField(row);
      });
    },

    /** Removes the declaration only; values already in bot users' user_vars stay. */
    async delete(id: number): Promise<boolean> {
      return (await db.run(q.delete, [id])).changes > 0;
    },
  };
}
export type CustomFieldStore = ReturnType<typeof createCustomFieldStore>;
