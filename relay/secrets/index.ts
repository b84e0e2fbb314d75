import { existsSync } from 'node:fs';
import type { Database } from '../db/sql.js';
import { createSecretBox, SecretKeyError, type KeySource, type SecretBox } from './box.js';
import { envKeySource, fileKeySource, keyFilePath, memoryKeySource } from './keys.js';
import { sealStoredSecrets, storedKeyIds } from './stored.js';

export { SecretKeyError, type SecretBox } from './box.js';

/**
 * The secret box of a database, opened at start: the operator's key from
 * TOUCHPOINT_SECRET_KEY, else the key file beside the SQLite database (created on first
 * start; none for a database in memory; PostgreSQL needs the variable). Secrets still in clear are encrypted now; a key that does
 * not open the stored ones stops the start with a sentence saying which key they need.
 */
export async function openSecrets(
  db: Database,
  dbPath: string,
  envKeys: Buffer[] | null,
): Promise<SecretBox> {
  const box = createSecretBox(await keySource(db, dbPath, envKeys));
  await sealStoredSecrets(db, box);
  return box;
}

async function keySource(
  db: Database,
  dbPath: string,
  envKeys: Buffer[] | null,
): Promise<KeySource> {
  if (envKeys) return envKeySource(envKeys);
  if (db.engine === 'postgres')
    throw new SecretKeyError('TOUCHPOINT_SECRET_KEY must be set with PostgreSQL.');
  if (dbPath === ':memory:' || dbPath.startsWith('file:')) return memoryKeySource();
  const path = keyFilePath(dbPath);
  if (!existsSync(path)) {
    // A fresh key would never open what is stored: say what is missing instead.
    const needed = [...(await storedKeyIds(db))];
    if (needed.length)
      throw new SecretKeyError(
        `The database's secrets are encrypted with key ${needed.join(', ')}, but its key file ${path} is missing: restore it, or set TOUCHPOINT_SECRET_KEY to that key.`,
      );
  }
  return fileKeySource(path);
}
