import type { Db } from '../db/open.js';
import type { Role } from '../auth/principal.js';
import { conflict } from '../http/errors.js';
import type { PageQuery } from '../http/pagination.js';
import type { Member } from './schemas.js';

export const LAST_OWNER = 'A shop needs at least one owner: make another member an owner first.';
export const ALREADY_MEMBER = 'This person is a member of the shop already.';

/** Who may act on a shop, and as what. The shop's creator is its first owner (relay/shops). */
export function createMemberStore(db: Db) {
  const select = `SELECT m.id, m.shop_id, m.user_id, u.email, m.role, m.created_at
    FROM shop_members m JOIN users u ON u.id = m.user_id`;
  const q = {
    insert: db.prepare<{ shop_id: number; user_id: number; role: Role }, { id: number }>(
      `INSERT INTO shop_members (shop_id, user_id, role) VALUES (@shop_id, @user_id, @role)
       ON CONFLICT (shop_id, user_id) DO NOTHING RETURNING id`,
    ),
    get: db.prepare<[number], Member>(`${select} WHERE m.id = ?`),
    list: db.prepare<{ shop_id: number; limit: number; offset: number }, Member>(
      `${select} WHERE m.shop_id = @shop_id ORDER BY m.id LIMIT @limit OFFSET @offset`,
    ),
    count: db.prepare<[number], { n: number }>(
      `SELECT count(*) AS n FROM shop_members WHERE shop_id = ?`,
    ),
    owners: db.prepare<[number], { n: number }>(
      `SELECT count(*) AS n FROM shop_members WHERE shop_id = ? AND role = 'owner'`,
    ),
    setRole: db.prepare<{ id: number; role: Role }>(
      `UPDATE shop_members SET role = @role WHERE id = @id`,
    ),
    delete: db.prepare<[number]>(`DELETE FROM shop_members WHERE id = ?`),
  };

  /** The read and the write in one transaction, so two owners cannot demote each other at once. */
  const keepsAnOwner = (current: Member, role: Role | null) => {
    if (current.role === 'owner' && role !== 'owner' && q.owners.get(current.shop_id)!.n <= 1)
      throw conflict(LAST_OWNER);
  };
  const setRoleTx = db.transaction((id: number, role: Role) => {
    const current = q.get.get(id);
    if (!current) return undefined;
    keepsAnOwner(current, role);
    q.setRole.run({ id, role });
    return q.get.get(id);
  });
  const deleteTx = db.transaction((id: number) => {
    const current = q.get.get(id);
    if (!current) return false;
    keepsAnOwner(current, null);
    return q.delete.run(id).changes > 0;
  });

  return {
    /** Adds the user to the shop; 409 when they are a member already. */
    async add(shopId: number, userId: number, role: Role): Promise<Member> {
      const row = q.insert.get({ shop_id: shopId, user_id: userId, role });
      if (!row)
        throw conflict(ALREADY_MEMBER, {
          email: [ALREADY_MEMBER],
        });
      return q.get.get(row.id)!;
    },

    async get(id: number): Promise<Member | undefined> {
      return q.get.get(id);
    },

    async list(shopId: number, page: PageQuery): Promise<{ count: number; rows: Member[] }> {
      return { count: q.count.get(shopId)!.n, rows: q.list.all({ shop_id: shopId, ...page }) };
    },

    /** 409 when it would leave the shop without an owner. */
    async setRole(id: number, role: Role): Promise<Member | undefined> {
      return setRoleTx.immediate(id, role);
    },

    /** 409 when it would leave the shop without an owner. */
    async delete(id: number): Promise<boolean> {
      return deleteTx.immediate(id);
    },
  };
}
export type MemberStore = ReturnType<typeof createMemberStore>;
