import type { Db } from '../db/open.js';
import { sql, type Tx } from '../db/sql.js';
import type { Role } from '../auth/principal.js';
import { conflict } from '../http/errors.js';
import type { PageQuery } from '../http/pagination.js';
import type { Member } from './schemas.js';

export const LAST_OWNER = 'A shop needs at least one owner: make another member an owner first.';
export const ALREADY_MEMBER = 'This person is a member of the shop already.';

const select = `SELECT m.id, m.shop_id, m.user_id, u.email, m.role, m.created_at
  FROM shop_members m JOIN users u ON u.id = m.user_id`;
const q = {
  insert: sql<{ shop_id: number; user_id: number; role: Role }, { id: number }>(
    `INSERT INTO shop_members (shop_id, user_id, role) VALUES (@shop_id, @user_id, @role)
     ON CONFLICT (shop_id, user_id) DO NOTHING RETURNING id`,
  ),
  get: sql<[number], Member>(`${select} WHERE m.id = ?`),
  shopOf: sql<[number], { shop_id: number }>(`SELECT shop_id FROM shop_members WHERE id = ?`),
  // The shop's row is the lock of its member list: one role change or removal at a time per
  // shop (several relays). NO KEY UPDATE leaves inserts that only reference the shop (leads,
  // orders) unblocked; SQLite's one writer is the lock there.
  lockShop: sql<[number], { id: number }>({
    sqlite: `SELECT id FROM shops WHERE id = ?`,
    postgres: `SELECT id FROM shops WHERE id = ? FOR NO KEY UPDATE`,
  }),
  list: sql<{ shop_id: number; limit: number; offset: number }, Member>(
    `${select} WHERE m.shop_id = @shop_id ORDER BY m.id LIMIT @limit OFFSET @offset`,
  ),
  count: sql<[number], { n: number }>(`SELECT count(*) AS n FROM shop_members WHERE shop_id = ?`),
  owners: sql<[number], { n: number }>(
    `SELECT count(*) AS n FROM shop_members WHERE shop_id = ? AND role = 'owner'`,
  ),
  setRole: sql<{ id: number; role: Role }, never>(
    `UPDATE shop_members SET role = @role WHERE id = @id`,
  ),
  delete: sql<[number], never>(`DELETE FROM shop_members WHERE id = ?`),
};

/** Who may act on a shop, and as what. The shop's creator is its first owner (relay/shops). */
export function createMemberStore(db: Db) {
  /**
   * The member as it is once its shop's member list is locked, or undefined. The read and the
   * write then happen under that lock, so two owners cannot demote each other at once (on
   * PostgreSQL each would otherwise count the other as an owner still).
   */
  const locked = async (tx: Tx, id: number): Promise<Member | undefined> => {
    const of = await tx.get(q.shopOf, [id]);
    if (!of) return undefined;
    await tx.get(q.lockShop, [of.shop_id]);
    return tx.get(q.get, [id]);
  };
  const keepsAnOwner = async (tx: Tx, current: Member, role: Role | null) => {
    if (
      current.role === 'owner' &&
      role !== 'owner' &&
      (await tx.value(q.owners, [current.shop_id]))! <= 1
    )
      throw conflict(LAST_OWNER);
  };

  return {
    /** Adds the user to the shop; 409 when they are a member already. */
    async add(shopId: number, userId: number, role: Role): Promise<Member> {
      const row = await db.get(q.insert, { shop_id: shopId, user_id: userId, role });
      if (!row)
        throw conflict(ALREADY_MEMBER, {
          email: [ALREADY_MEMBER],
        });
      return (await db.get(q.get, [row.id]))!;
    },

    async get(id: number): Promise<Member | undefined> {
      return db.get(q.get, [id]);
    },

    async list(shopId: number, page: PageQuery): Promise<{ count: number; rows: Member[] }> {
      return {
        count: (await db.value(q.count, [shopId]))!,
        rows: await db.all(q.list, { shop_id: shopId, ...page }),
      };
    },

    /** 409 when it would leave the shop without an owner. */
    async setRole(id: number, role: Role): Promise<Member | undefined> {
      return db.tx(async (tx) => {
        const current = await locked(tx, id);
        if (!current) return undefined;
        await keepsAnOwner(tx, current, role);
        await tx.run(q.setRole, { id, role });
        return tx.get(q.get, [id]);
      });
    },

    /** 409 when it would leave the shop without an owner. */
    async delete(id: number): Promise<boolean> {
      return db.tx(async (tx) => {
        const current = await locked(tx, id);
        if (!current) return false;
        await keepsAnOwner(tx, current, null);
        return (await tx.run(q.delete, [id])).changes > 0;
      });
    },
  };
}
export type MemberStore = ReturnType<typeof createMemberStore>;
