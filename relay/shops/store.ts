import { createChangeFeed, type ChangeFeed } from '../cluster/changes.js';
import { fromJson, now, type Db } from '../db/open.js';
import { dialect } from '../db/dialect.js';
import { sql } from '../db/sql.js';
import { invalidField } from '../http/errors.js';
import type { PageQuery } from '../http/pagination.js';
import type { Shop, ShopInput, ShopPatch } from './schemas.js';

type Row = Omit<Shop, 'settings' | 'demo'> & { settings: string; demo: number };
type Settings = Record<string, unknown>;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Settings as the API shows them: the captcha secret is write-only, `has_secret` says if set. */
function readable(settings: Settings): Settings {
  const c = settings.captcha;
  if (!isObject(c)) return settings;
  const { secret, has_secret: _, ...rest } = c;
  return { ...settings, captcha: { ...rest, has_secret: typeof secret === 'string' } };
}

const toShop = (r: Row): Shop => ({
  ...r,
  settings: readable(fromJson(r.settings, {})),
  demo: r.demo === 1,
});

/**
 * Shops and who may act on them. The captcha secret in `settings.captcha.secret` is stored
 * encrypted with the operator's key (`db.secrets`, relay/secrets), never shown again, and
 * opened only for the public API (`getWithSecrets`).
 */
/**
 * `changes` hears of every shop edited or deleted (the public API caches settings; a deleted
 * shop's bots go with it).
 */
export function createShopStore(db: Db, changes: ChangeFeed = createChangeFeed()) {
  /**
   * Settings as stored: a captcha secret given is sealed; a captcha without `secret` keeps
   * the stored one (a client sends back what it read); `secret: null` or `""` removes it.
   */
  const storable = (next: Settings, stored: Settings): Settings => {
    const c = next.captcha;
    if (!isObject(c)) return next;
    const { secret, has_secret: _, ...rest } = c;
    if (secret !== undefined && secret !== null && typeof secret !== 'string')
      throw invalidField('settings.captcha.secret', 'Enter the secret as text.');
    const kept = isObject(stored.captcha) ? stored.captcha.secret : undefined;
    const sealed = secret === undefined ? kept : secret ? db.secrets.seal(secret) : undefined;
    return { ...next, captcha: sealed === undefined ? rest : { ...rest, secret: sealed } };
  };

  const d = dialect(db.engine);
  const q = {
    insert: sql<{ name: string; settings: string }, Row>(
      `INSERT INTO shops (name, settings) VALUES (@name, @settings) RETURNING *`,
    ),
    addMember: sql<{ shop_id: number; user_id: number; role: string }, never>(
      `INSERT INTO shop_members (shop_id, user_id, role) VALUES (@shop_id, @user_id, @role)
       ON CONFLICT DO NOTHING`,
    ),
    get: sql<[number], Row>(`SELECT * FROM shops WHERE id = ?`),
    lockedGet: sql<[number], Row>(`SELECT * FROM shops WHERE id = ?${d.forUpdate}`),
    list: sql<{ ids: string; limit: number; offset: number }, Row>(
      `SELECT * FROM shops WHERE id IN ${d.ids('@ids')}
       ORDER BY id LIMIT @limit OFFSET @offset`,
    ),
    count: sql<{ ids: string }, { n: number }>(
      `SELECT count(*) AS n FROM shops WHERE id IN ${d.ids('@ids')}`,
    ),
    update: sql<{ id: number; name: string; settings: string; updated_at: string }, Row>(
      `UPDATE shops SET name = @name, settings = @settings, updated_at = @updated_at
       WHERE id = @id RETURNING *`,
    ),
    delete: sql<[number], never>(`DELETE FROM shops WHERE id = ?`),
    first: sql<undefined, Row>(`SELECT * FROM shops ORDER BY id LIMIT 1`),
    markDemo: sql<[number], never>(`UPDATE shops SET demo = 1 WHERE id = ?`),
    demo: sql<undefined, Row>(`SELECT * FROM shops WHERE demo = 1 ORDER BY id LIMIT 1`),
  };

  return {
    /** Creates a shop; `ownerId` (a platform user) becomes its first member. */
    async create(input: ShopInput, ownerId: number | null): Promise<Shop> {
      return db.tx(async (tx) => {
        const settings = storable(input.settings ?? {}, {});
        const row = (await tx.get(q.insert, {
          name: input.name,
          settings: JSON.stringify(settings),
        }))!;
        if (ownerId !== null)
          await tx.run(q.addMember, { shop_id: row.id, user_id: ownerId, role: 'owner' });
        return toShop(row);
      });
    },

    async addMember(shopId: number, userId: number, role: 'owner' | 'manager' = 'manager') {
      await db.run(q.addMember, { shop_id: shopId, user_id: userId, role });
    },

    async get(id: number): Promise<Shop | undefined> {
      const row = await db.get(q.get, [id]);
      return row && toShop(row);
    },

    /**
     * The shop with its captcha secret opened, for the public API's captcha check only;
     * never part of a response.
     */
    async getWithSecrets(id: number): Promise<Shop | undefined> {
      const row = await db.get(q.get, [id]);
      if (!row) return undefined;
      const settings = fromJson<Settings>(row.settings, {});
      const c = settings.captcha;
      if (isObject(c) && typeof c.secret === 'string')
        settings.captcha = { ...c, secret: db.secrets.open(c.secret) };
      return { ...row, settings, demo: row.demo === 1 };
    },

    async first(): Promise<Shop | undefined> {
      const row = await db.get(q.first);
      return row && toShop(row);
    },

    /** The page of `shopIds` (the caller's shops) and their total count. */
    async list(
      shopIds: Iterable<number>,
      page: PageQuery,
    ): Promise<{ count: number; rows: Shop[] }> {
      const ids = JSON.stringify([...shopIds]);
      return {
        count: (await db.value(q.count, { ids }))!,
        rows: (await db.all(q.list, { ids, ...page })).map(toShop),
      };
    },

    async update(id: number, patch: ShopPatch): Promise<Shop | undefined> {
      // Read-modify-write of the settings document: the row stays locked until the write, so
      // two patches of different settings (several relays) both land.
      const shop = await db.tx(async (tx) => {
        const current = await tx.get(q.lockedGet, [id]);
        if (!current) return undefined;
        const stored = fromJson<Settings>(current.settings, {});
        const settings = { ...stored, ...storable(patch.settings ?? {}, stored) };
        const row = await tx.get(q.update, {
          id,
          name: patch.name ?? current.name,
          settings: JSON.stringify(settings),
          updated_at: now(),
        });
        return row && toShop(row);
      });
      if (shop) changes.shop(id);
      return shop;
    },

    async delete(id: number): Promise<boolean> {
      const deleted = (await db.run(q.delete, [id])).changes > 0;
      if (deleted) {
        changes.shop(id);
        changes.bot(null);
      }
      return deleted;
    },

    /**
     * Makes a shop a demo shop, whose sandbox bots the demo inbox serves. Only the relay does
     * this — the demo seed, the CLI (`shop:create --demo`), tests — never the API.
     */
    async markDemo(id: number): Promise<void> {
      await db.run(q.markDemo, [id]);
    },

    /** The demo shop (the first, should there be several), when the relay seeded one. */
    async demoShop(): Promise<Shop | undefined> {
      const row = await db.get(q.demo);
      return row && toShop(row);
    },
  };
}
export type ShopStore = ReturnType<typeof createShopStore>;
