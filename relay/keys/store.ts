import { createChangeFeed, type ChangeFeed } from '../cluster/changes.js';
import { fromJson, type Db } from '../db/open.js';
import { sql } from '../db/sql.js';
import type { PageQuery } from '../http/pagination.js';
import { hashToken, randomKey } from '../auth/secrets.js';
import type { KeyKind, ShopKey } from './schemas.js';

type Row = Omit<ShopKey, 'allowed_origins' | 'hint'> & {
  key_hash: string;
  key_hint: string;
  allowed_origins: string;
};
/** Maps field by field, so a column such as key_hash can never reach a response. */
const toKey = (r: Row): ShopKey => ({
  id: r.id,
  shop_id: r.shop_id,
  kind: r.kind,
  name: r.name,
  hint: r.key_hint,
  allowed_origins: fromJson(r.allowed_origins, []),
  created_at: r.created_at,
});

const PREFIX = { secret: 'sk_', publishable: 'pk_' } as const;

const q = {
  insert: sql<
    {
      shop_id: number;
      kind: string;
      name: string;
      key_hash: string;
      key_hint: string;
      allowed_origins: string;
    },
    Row
  >(
    `INSERT INTO shop_keys (shop_id, kind, name, key_hash, key_hint, allowed_origins)
     VALUES (@shop_id, @kind, @name, @key_hash, @key_hint, @allowed_origins) RETURNING *`,
  ),
  get: sql<[number], Row>(`SELECT * FROM shop_keys WHERE id = ?`),
  byHash: sql<[string], Row>(`SELECT * FROM shop_keys WHERE key_hash = ?`),
  list: sql<{ shop_id: number; limit: number; offset: number }, Row>(
    `SELECT * FROM shop_keys WHERE shop_id = @shop_id ORDER BY id LIMIT @limit OFFSET @offset`,
  ),
  count: sql<[number], { n: number }>(`SELECT count(*) AS n FROM shop_keys WHERE shop_id = ?`),
  delete: sql<[number], { shop_id: number }>(
    `DELETE FROM shop_keys WHERE id = ? RETURNING shop_id`,
  ),
};

/** A shop's API keys. Only a SHA-256 of each key is stored; the key is shown once. */
/** `changes` hears of every key created or revoked (the public API caches keys). */
export function createKeyStore(db: Db, changes: ChangeFeed = createChangeFeed()) {
  return {
    async create(input: {
      shop_id: number;
      kind: KeyKind;
      name?: string;
      allowed_origins?: string[];
    }): Promise<ShopKey & { key: string }> {
      const key = randomKey(PREFIX[input.kind]);
      const row = (await db.get(q.insert, {
        shop_id: input.shop_id,
        kind: input.kind,
        name: input.name ?? '',
        key_hash: hashToken(key),
        key_hint: `${key.slice(0, 7)}…${key.slice(-4)}`,
        allowed_origins: JSON.stringify(input.allowed_origins ?? []),
      }))!;
      changes.shop(input.shop_id);
      return { ...toKey(row), key };
    },

    async get(id: number): Promise<ShopKey | undefined> {
      const row = await db.get(q.get, [id]);
      return row && toKey(row);
    },

    /** The key record for a presented key of the given kind, or undefined. */
    async find(key: string, kind: KeyKind): Promise<ShopKey | undefined> {
      if (!key.startsWith(PREFIX[kind])) return undefined;
      const row = await db.get(q.byHash, [hashToken(key)]);
      return row && row.kind === kind ? toKey(row) : undefined;
    },

    async list(shopId: number, page: PageQuery): Promise<{ count: number; rows: ShopKey[] }> {
      return {
        count: (await db.value(q.count, [shopId]))!,
        rows: (await db.all(q.list, { shop_id: shopId, ...page })).map(toKey),
      };
    },

    /** Revokes the key: the next request that presents it is refused. */
    async delete(id: number): Promise<boolean> {
      const gone = await db.get(q.delete, [id]);
      if (gone) changes.shop(gone.shop_id);
      return gone !== undefined;
    },
  };
}
export type KeyStore = ReturnType<typeof createKeyStore>;
