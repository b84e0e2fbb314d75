import type { Db } from '../db/open.js';
import { createSecretBox, keyId, newKey } from './box.js';
import { envKeySource, fileKeySource, keyFilePath, writeKeyFile } from './keys.js';
import { resealStoredSecrets } from './stored.js';

export type Rotation = {
  /** The key every stored secret is now encrypted with. */
  key_id: string;
  /** How many stored secrets were re-encrypted. */
  secrets: number;
  /** Key file mode: the file now holding the new key. */
  key_file?: string;
  /** Environment mode: the value TOUCHPOINT_SECRET_KEY must be given now (base64). */
  secret_key?: string;
  /** Environment mode: the key was made now (rather than the first one of the variable). */
  new_key?: boolean;
};

/**
 * `touchpoint secrets:rotate-key`: re-encrypts every stored secret under a new key, in one
 * transaction.
 * - Key file: the new key is written first beside the old one (so a crash at any point
 *   leaves every secret readable), the secrets are re-encrypted, then the file keeps only
 *   the new key. Running relays read the changed file by themselves.
 * - TOUCHPOINT_SECRET_KEY with one key: a new key is made and must then be set on every
 *   relay (until then they cannot read the secrets). With several keys (`new,old`: set
 *   that first, on every relay, to rotate without a pause) the secrets move to the first.
 */
export function rotateKey(
  db: Db,
  { dbPath, secretKeys }: { dbPath: string; secretKeys: Buffer[] | null },
): Rotation {
  if (dbPath === ':memory:' || dbPath.startsWith('file:'))
    throw new Error('A database in memory has no stored key to rotate.');
  if (secretKeys) {
    const key = secretKeys.length > 1 ? secretKeys[0] : newKey();
    const to = createSecretBox(envKeySource([key]));
    const n = resealStoredSecrets(db, db.secrets, to);
    return {
      key_id: to.keyId,
      secrets: n,
      secret_key: key.toString('base64'),
      new_key: secretKeys.length === 1,
    };
  }
  const path = keyFilePath(dbPath);
  const old = fileKeySource(path).keys();
  const key = newKey();
  writeKeyFile(path, [key, ...old]);
  const to = createSecretBox(envKeySource([key]));
  let n = resealStoredSecrets(db, db.secrets, to);
  // A relay that encrypted a new secret with the old key just before it saw the new file.
  n += resealStoredSecrets(db, db.secrets, to);
  writeKeyFile(path, [key]);
  return { key_id: keyId(key), secrets: n, key_file: path };
}
