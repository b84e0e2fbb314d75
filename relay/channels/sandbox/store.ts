import type { Db } from '../../db/open.js';
import { sql } from '../../db/sql.js';

/** A sandbox bot of a demo shop, as the inbox shows it. */
export type SandboxBot = { id: number; shop_id: number; name: string };

const q = {
  active: sql<undefined, SandboxBot>(
    `SELECT b.id, b.shop_id, b.name FROM bots b JOIN shops s ON s.id = b.shop_id
     WHERE b.bot_type = 'sandbox' AND b.status = 'active' AND s.demo = 1 ORDER BY b.id`,
  ),
  get: sql<[number], SandboxBot>(
    `SELECT b.id, b.shop_id, b.name FROM bots b JOIN shops s ON s.id = b.shop_id
     WHERE b.id = ? AND b.bot_type = 'sandbox' AND s.demo = 1`,
  ),
};

/**
 * The sandbox bots the demo inbox may reach: those of demo shops (`shops.demo`, set by the
 * relay for the shop it seeds, never through the API). The inbox has no login, so another
 * shop's sandbox bot — one made before sandbox bots were the demo's alone — stays out of it.
 */
export function createSandboxStore(db: Db) {
  return {
    /** The demo shops' active sandbox bots. */
    async active(): Promise<SandboxBot[]> {
      return db.all(q.active);
    },
    /** The sandbox bot `id` when it is a demo shop's; undefined for any other bot. */
    async get(id: number): Promise<SandboxBot | undefined> {
      return db.get(q.get, [id]);
    },
  };
}
export type SandboxStore = ReturnType<typeof createSandboxStore>;
