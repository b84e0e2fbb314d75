import { dialect } from '../db/dialect.js';
import { sql, type Database, type Queryable, type Sql } from '../db/sql.js';
import type { SqliteDatabase } from '../db/sqlite.js';
import { SecretKeyError, type SecretBox } from './box.js';

type Stored = { id: number; value: string };
type Place = { what: string; read: Sql<undefined, Stored>; write: Sql<Stored, never> };

/**
 * Every secret the relay keeps in order to use it, wherever it is stored: this list is the
 * one place to add a new one (and the at-rest test reads the database for all of them).
 * - `bots.credential`: messenger tokens;
 * - `bots.credentials`: a messenger's other secrets (WhatsApp's app secret and verify token),
 *   one JSON document sealed whole;
 * - `webhook_endpoints.secret` / `previous_secret`: Standard Webhooks signing secrets;
 * - `shops.settings` → `captcha.secret`: the shop's captcha provider secret.
 * Passwords, login tokens, API keys and opt-in tokens are hashed instead (relay/auth/secrets.ts):
 * the relay only ever compares them.
 */
/** Shop settings as `jsonb` on PostgreSQL (relay/db/dialect.ts: a NUL in them is no error). */
const settings = dialect('postgres').jsonb('settings');

const q = {
  bots: sql<undefined, Stored>(
    `SELECT id, credential AS value FROM bots WHERE credential IS NOT NULL AND credential <> ''`,
  ),
  setBot: sql<Stored, never>(`UPDATE bots SET credential = @value WHERE id = @id`),
  botCredentials: sql<undefined, Stored>(
    `SELECT id, credentials AS value FROM bots WHERE credentials IS NOT NULL AND credentials <> ''`,
  ),
  setBotCredentials: sql<Stored, never>(`UPDATE bots SET credentials = @value WHERE id = @id`),
  endpoints: sql<undefined, Stored>(`SELECT id, secret AS value FROM webhook_endpoints`),
  setEndpoint: sql<Stored, never>(`UPDATE webhook_endpoints SET secret = @value WHERE id = @id`),
  previous: sql<undefined, Stored>(
    `SELECT id, previous_secret AS value FROM webhook_endpoints WHERE previous_secret IS NOT NULL`,
  ),
  setPrevious: sql<Stored, never>(
    `UPDATE webhook_endpoints SET previous_secret = @value WHERE id = @id`,
  ),
  captchas: sql<undefined, Stored>({
    sqlite: `SELECT id, json_extract(settings, '$.captcha.secret') AS value FROM shops
             WHERE json_type(settings, '$.captcha.secret') = 'text'`,
    postgres: `SELECT id, ${settings} #>> '{captcha,secret}' AS value FROM shops
               WHERE jsonb_typeof(${settings} #> '{captcha,secret}') = 'string'`,
  }),
  setCaptcha: sql<Stored, never>({
    sqlite: `UPDATE shops SET settings = json_set(settings, '$.captcha.secret', @value) WHERE id = @id`,
    postgres: `UPDATE shops SET settings = jsonb_set(${settings}, '{captcha,secret}', to_jsonb(@value::text))::text
               WHERE id = @id`,
  }),
};

function createStoredSecrets() {
  const places: Place[] = [
    { what: 'bot token', read: q.bots, write: q.setBot },
    { what: 'bot credentials', read: q.botCredentials, write: q.setBotCredentials },
    { what: 'webhook signing secret', read: q.endpoints, write: q.setEndpoint },
    { what: 'previous webhook signing secret', read: q.previous, write: q.setPrevious },
    { what: 'captcha secret', read: q.captchas, write: q.setCaptcha },
  ];

  /** Rewrites every stored secret with `change` (unchanged when it returns the same value). */
  const rewrite = async (
    c: Queryable,
    change: (value: string, what: string) => string,
  ): Promise<number> => {
    let n = 0;
    for (const place of places)
      for (const row of await c.all(place.read)) {
        const value = change(row.value, place.what);
        if (value !== row.value) {
          await c.run(place.write, { id: row.id, value });
          n += 1;
        }
      }
    return n;
  };
  /** The ids of the keys the stored secrets are encrypted with. */
  const keyIds = async (c: Queryable): Promise<Set<string>> => {
    const ids = new Set<string>();
    for (const place of places)
      for (const row of await c.all(place.read))
        if (row.value.startsWith('enc:v1:')) ids.add(row.value.split(':')[2]);
    return ids;
  };
  return { rewrite, keyIds };
}

/** The ids of the keys the database's secrets are encrypted with (none: all in clear, or none). */
export const storedKeyIds = (db: Database) => createStoredSecrets().keyIds(db);

/**
 * At start: encrypts every secret still stored in clear (from before encryption, or written
 * by hand) and checks that the key opens every other one, in one transaction. A wrong key
 * stops the start with a sentence that says which key the secrets need.
 */
export async function sealStoredSecrets(db: Database, box: SecretBox): Promise<number> {
  const stored = createStoredSecrets();
  const seal = () =>
    db.tx((tx) =>
      stored.rewrite(tx, (value, what) => {
        if (box.sealedWith(value) === null) return box.seal(value);
        try {
          box.open(value);
        } catch (err) {
          throw new SecretKeyError(`Cannot read a stored ${what}: ${(err as Error).message}`);
        }
        return value;
      }),
    );
  if (db.engine !== 'sqlite') return seal();
  // Overwritten values are zeroed rather than left in free space (secure_delete), and the
  // WAL, which still holds the pages as they were, is emptied: no copy of a secret in clear
  // stays in the files. Only the first start after an upgrade has anything to do here; it
  // runs before anything else uses the database (the PRAGMAs are the writer connection's).
  const raw = (db as SqliteDatabase).raw;
  const before = raw.pragma('secure_delete', { simple: true });
  raw.pragma('secure_delete = ON');
  try {
    const n = await seal();
    if (n) raw.pragma('wal_checkpoint(TRUNCATE)');
    return n;
  } finally {
    raw.pragma(`secure_delete = ${Number(before)}`);
  }
}

/**
 * Re-encrypts under `to`'s key, in one transaction, every stored secret not under it yet
 * (opened with `from`). Returns how many it re-encrypted.
 */
export function resealStoredSecrets(db: Database, from: SecretBox, to: SecretBox): Promise<number> {
  const stored = createStoredSecrets();
  const target = to.keyId;
  return db.tx((tx) =>
    stored.rewrite(tx, (value) => {
      const id = from.sealedWith(value);
      if (id === target) return value;
      return to.seal(id === null ? value : from.open(value));
    }),
  );
}
