import { fromJson, now, type Db } from '../db/open.js';
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
export function createShopStore(db: Db) {
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

  const q = {
    insert: db.prepare<{ name: string; settings: string }, Row>(
      `INSERT INTO shops (name, settings) VALUES (@name, @settings) RETURNING *`,
    ),
    addMember: db.prepare<{ shop_id: number; user_id: number; role: string }>(
      `INSERT OR IGNORE INTO shop_members (shop_id, user_id, role) VALUES (@shop_id, @user_id, @role)`,
    ),
    get: db.prepare<[number], Row>(`SELECT * FROM shops WHERE id = ?`),
    list: db.prepare<{ ids: string; limit: number; offset: number }, Row>(
      `SELECT * FROM shops WHERE id IN (SELECT value FROM json_each(@ids))
       ORDER BY id LIMIT @limit OFFSET @offset`,
    ),
    count: db.prepare<{ ids: string }, { n: number }>(
      `SELECT count(*) AS n FROM shops WHERE id IN (SELECT value FROM json_each(@ids))`,
    ),
    update: db.prepare<{ id: number; name: string; settings: string; updated_at: string }, Row>(
      `UPDATE shops SET name = @name, settings = @settings, updated_at = @updated_at
       WHERE id = @id RETURNING *`,
    ),
    delete: db.prepare<[number]>(`DELETE FROM shops WHERE id = ?`),
    first: db.prepare<[], Row>(`SELECT * FROM shops ORDER BY id LIMIT 1`),
    markDemo: db.prepare<[number]>(`UPDATE shops SET demo = 1 WHERE id = ?`),
    demo: db.prepare<[], Row>(`SELECT * FROM shops WHERE demo = 1 ORDER BY id LIMIT 1`),
  };

  const createTx = db.transaction((input: ShopInput, ownerId: number | null) => {
    const settings = storable(input.settings ?? {}, {});
    const row = q.insert.get({ name: input.name, settings: JSON.stringify(settings) })!;
    if (ownerId !== null) q.addMember.run({ shop_id: row.id, user_id: ownerId, role: 'owner' });
    return toShop(row);
  });

  return {
    /** Creates a shop; `ownerId` (a platform user) becomes its first member. */
    async create(input: ShopInput, ownerId: number | null): Promise<Shop> {
      return createTx.immediate(input, ownerId);
    },

    async addMember(shopId: number, userId: number, role: 'owner' | 'manager' = 'manager') {
      q.addMember.run({ shop_id: shopId, user_id: userId, role });
    },

    async get(id: number): Promise<Shop | undefined> {
      const row = q.get.get(id);
      return row && toShop(row);
    },

    /**
     * The shop with its captcha secret opened, for the public API's captcha check only;
     * never part of a response.
     */
    async getWithSecrets(id: number): Promise<Shop | undefined> {
      const row = q.get.get(id);
      if (!row) return undefined;
      const settings = fromJson<Settings>(row.settings, {});
      const c = settings.captcha;
      if (isObject(c) && typeof c.secret === 'string')
        settings.captcha = { ...c, secret: db.secrets.open(c.secret) };
      return { ...row, settings, demo: row.demo === 1 };
    },

    async first(): Promise<Shop | undefined> {
      const row = q.first.get();
      return row && toShop(row);
    },

    /** The page of `shopIds` (the caller's shops) and their total count. */
    async list(
      shopIds: Iterable<number>,
      page: PageQuery,
    ): Promise<{ count: number; rows: Shop[] }> {
      const ids = JSON.stringify([...shopIds]);
      return {
        count: q.count.get({ ids })!.n,
        rows: q.list.all({ ids, ...page }).map(toShop),
      };
    },

    async update(id: number, patch: ShopPatch): Promise<Shop | undefined> {
      const current = q.get.get(id);
      if (!current) return undefined;
      const stored = fromJson<Settings>(current.settings, {});
      const settings = { ...stored, ...storable(patch.settings ?? {}, stored) };
      const row = q.update.get({
        id,
        name: patch.name ?? current.name,
        settings: JSON.stringify(settings),
        updated_at: now(),
      });
      return row && toShop(row);
    },

    async delete(id: number): Promise<boolean> {
      return q.delete.run(id).changes > 0;
    },

    /**
     * Makes a shop a demo shop, whose sandbox bots the demo inbox serves. Only the relay does
     * this — the demo seed, the CLI (`shop:create --demo`), tests — never the API.
     */
    async markDemo(id: number): Promise<void> {
      q.markDemo.run(id);
    },

    /** The demo shop (the first, should there be several), when the relay seeded one. */
    async demoShop(): Promise<Shop | undefined> {
      const row = q.demo.get();
      return row && toShop(row);
    },
  };
}
export type ShopStore = ReturnType<typeof createShopStore>;
