import { existsSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { createSecretBox, SecretKeyError, type KeySource, type SecretBox } from './box.js';
import { envKeySource, fileKeySource, keyFilePath, memoryKeySource } from './keys.js';
import { sealStoredSecrets, storedKeyIds } from './stored.js';

export { SecretKeyError, type SecretBox } from './box.js';

/**
 * The secret box of a database, opened at start: the operator's key from
 * TOUCHPOINT_SECRET_KEY, else the key file beside the database (created on first start;
 * none for a database in memory). Secrets still in clear are encrypted now; a key that does
 * not open the stored ones stops the start with a sentence saying which key they need.
 */
export function openSecrets(
  db: Database.Database,
  dbPath: string,
  envKeys: Buffer[] | null,
): SecretBox {
  const box = createSecretBox(keySource(db, dbPath, envKeys));
  sealStoredSecrets(db, box);
  return box;
}

function keySource(db: Database.Database, dbPath: string, envKeys: Buffer[] | null): KeySource {
  if (envKeys) return envKeySource(envKeys);
  if (dbPath === ':memory:' || dbPath.startsWith('file:')) return memoryKeySource();
  const path = keyFilePath(dbPath);
  if (!existsSync(path)) {
    // A fresh key would never open what is stored: say what is missing instead.
    const needed = [...storedKeyIds(db)];
    if (needed.length)
      throw new SecretKeyError(
        `The database's secrets are encrypted with key ${needed.join(', ')}, but its key file ${path} is missing: restore it, or set TOUCHPOINT_SECRET_KEY to that key.`,
      );
  }
  return fileKeySource(path);
}
