import type Database from 'better-sqlite3';
import { SecretKeyError, type SecretBox } from './box.js';

/**
 * Every secret the relay keeps in order to use it, wherever it is stored: this list is the
 * one place to add a new one (and the at-rest test reads the database for all of them).
 * - `bots.credential`: messenger tokens;
 * - `webhook_endpoints.secret` / `previous_secret`: Standard Webhooks signing secrets;
 * - `shops.settings` → `captcha.secret`: the shop's captcha provider secret.
 * Passwords, login tokens, API keys and opt-in tokens are hashed instead (relay/auth/secrets.ts):
 * the relay only ever compares them.
 */
function createStoredSecrets(db: Database.Database) {
  const q = {
    bots: db.prepare<[], { id: number; value: string }>(
      `SELECT id, credential AS value FROM bots WHERE credential IS NOT NULL AND credential <> ''`,
    ),
    setBot: db.prepare<{ id: number; value: string }>(
      `UPDATE bots SET credential = @value WHERE id = @id`,
    ),
    endpoints: db.prepare<[], { id: number; value: string }>(
      `SELECT id, secret AS value FROM webhook_endpoints`,
    ),
    setEndpoint: db.prepare<{ id: number; value: string }>(
      `UPDATE webhook_endpoints SET secret = @value WHERE id = @id`,
    ),
    previous: db.prepare<[], { id: number; value: string }>(
      `SELECT id, previous_secret AS value FROM webhook_endpoints WHERE previous_secret IS NOT NULL`,
    ),
    setPrevious: db.prepare<{ id: number; value: string }>(
      `UPDATE webhook_endpoints SET previous_secret = @value WHERE id = @id`,
    ),
    captchas: db.prepare<[], { id: number; value: string }>(
      `SELECT id, json_extract(settings, '$.captcha.secret') AS value FROM shops
       WHERE json_type(settings, '$.captcha.secret') = 'text'`,
    ),
    setCaptcha: db.prepare<{ id: number; value: string }>(
      `UPDATE shops SET settings = json_set(settings, '$.captcha.secret', @value) WHERE id = @id`,
    ),
  };
  const places = [
    { what: 'bot token', read: q.bots, write: q.setBot },
    { what: 'webhook signing secret', read: q.endpoints, write: q.setEndpoint },
    { what: 'previous webhook signing secret', read: q.previous, write: q.setPrevious },
    { what: 'captcha secret', read: q.captchas, write: q.setCaptcha },
  ];

  /** Rewrites every stored secret with `change` (unchanged when it returns the same value). */
  const rewrite = (change: (value: string, what: string) => string): number => {
    let n = 0;
    for (const place of places)
      for (const row of place.read.all()) {
        const value = change(row.value, place.what);
        if (value !== row.value) {
          place.write.run({ id: row.id, value });
          n += 1;
        }
      }
    return n;
  };
  /** The ids of the keys the stored secrets are encrypted with. */
  const keyIds = (): Set<string> => {
    const ids = new Set<string>();
    for (const place of places)
      for (const row of place.read.all())
        if (row.value.startsWith('enc:v1:')) ids.add(row.value.split(':')[2]);
    return ids;
  };
  return { rewrite, keyIds };
}

/** The ids of the keys the database's secrets are encrypted with (none: all in clear, or none). */
export const storedKeyIds = (db: Database.Database) => createStoredSecrets(db).keyIds();

/**
 * At start: encrypts every secret still stored in clear (from before encryption, or written
 * by hand) and checks that the key opens every other one, in one transaction. A wrong key
 * stops the start with a sentence that says which key the secrets need.
 */
export function sealStoredSecrets(db: Database.Database, box: SecretBox): number {
  const stored = createStoredSecrets(db);
  const seal = db.transaction(() =>
    stored.rewrite((value, what) => {
      if (box.sealedWith(value) === null) return box.seal(value);
      try {
        box.open(value);
      } catch (err) {
        throw new SecretKeyError(`Cannot read a stored ${what}: ${(err as Error).message}`);
      }
      return value;
    }),
  );
  // Overwritten values are zeroed rather than left in free space (secure_delete), and the
  // WAL, which still holds the pages as they were, is emptied: no copy of a secret in clear
  // stays in the files. Only the first start after an upgrade has anything to do here.
  const before = db.pragma('secure_delete', { simple: true });
  db.pragma('secure_delete = ON');
  try {
    const n = seal.immediate();
    if (n) db.pragma('wal_checkpoint(TRUNCATE)');
    return n;
  } finally {
    db.pragma(`secure_delete = ${Number(before)}`);
  }
}

/**
 * Re-encrypts under `to`'s key, in one transaction, every stored secret not under it yet
 * (opened with `from`). Returns how many it re-encrypted.
 */
export function resealStoredSecrets(db: Database.Database, from: SecretBox, to: SecretBox): number {
  const stored = createStoredSecrets(db);
  const target = to.keyId;
  return db
    .transaction(() =>
      stored.rewrite((value) => {
        const id = from.sealedWith(value);
        if (id === target) return value;
        return to.seal(id === null ? value : from.open(value));
      }),
    )
    .immediate();
}
