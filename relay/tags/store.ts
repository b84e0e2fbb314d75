import type { Db } from '../db/open.js';
import { sql } from '../db/sql.js';
import type { PageQuery } from '../http/pagination.js';
import type { Tag } from './schemas.js';

type Row = Tag;
const toTag = (r: Row): Tag => ({
  id: r.id,
  shop_id: r.shop_id,
  name: r.name,
  created_at: r.created_at,
});

const q = {
  insert: sql<{ shop_id: number; name: string }, Row>(
    `INSERT INTO tags (shop_id, name) VALUES (@shop_id, @name) RETURNING *`,
  ),
  get: sql<[number], Row>(`SELECT * FROM tags WHERE id = ?`),
  byName: sql<{ shop_id: number; name: string }, Row>(
    `SELECT * FROM tags WHERE shop_id = @shop_id AND name = @name`,
  ),
  list: sql<{ shop_id: number; limit: number; offset: number }, Row>(
    `SELECT * FROM tags WHERE shop_id = @shop_id ORDER BY id LIMIT @limit OFFSET @offset`,
  ),
  count: sql<[number], { n: number }>(`SELECT count(*) AS n FROM tags WHERE shop_id = ?`),
  rename: sql<{ id: number; name: string }, Row>(
    `UPDATE tags SET name = @name WHERE id = @id RETURNING *`,
  ),
  delete: sql<[number], never>(`DELETE FROM tags WHERE id = ?`),
};

/** A shop's tags: labels put on bot users (by managers, or by a flow's action step). */
export function createTagStore(db: Db) {
  return {
    async create(input: { shop_id: number; name: string }): Promise<Tag> {
      return toTag((await db.get(q.insert, input))!);
    },

    async get(id: number): Promise<Tag | undefined> {
      const row = await db.get(q.get, [id]);
      return row && toTag(row);
    },

    async findByName(shopId: number, name: string): Promise<Tag | undefined> {
      const row = await db.get(q.byName, { shop_id: shopId, name });
      return row && toTag(row);
    },

    async list(shopId: number, page: PageQuery): Promise<{ count: number; rows: Tag[] }> {
      return {
        count: (await db.value(q.count, [shopId]))!,
        rows: (await db.all(q.list, { shop_id: shopId, ...page })).map(toTag),
      };
    },

    async rename(id: number, name: string): Promise<Tag | undefined> {
      const row = await db.get(q.rename, { id, name });
      return row && toTag(row);
    },

    /** Deleting a tag takes it off every bot user (bot_user_tags cascades). */
    async delete(id: number): Promise<boolean> {
      return (await db.run(q.delete, [id])).changes > 0;
    },
  };
}
export type TagStore = ReturnType<typeof createTagStore>;
