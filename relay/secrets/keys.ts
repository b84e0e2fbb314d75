import {
  chmodSync,
  closeSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { KEY_BYTES, newKey, SecretKeyError, type KeySource } from './box.js';

const HEX = /^[0-9a-f]{64}$/i;
const BASE64 = /^[A-Za-z0-9+/_-]{43}=?$/;

/** One operator key written as base64 (standard or URL-safe) or hex; throws a sentence. */
export function parseKey(text: string): Buffer {
  const t = text.trim();
  if (HEX.test(t)) return Buffer.from(t, 'hex');
  if (BASE64.test(t)) {
    const key = Buffer.from(t, 'base64');
    if (key.length === KEY_BYTES) return key;
  }
  throw new Error(
    `must be ${KEY_BYTES} random bytes as base64 or hex (openssl rand -base64 32); several keys are separated by commas, the current one first`,
  );
}

/** `TOUCHPOINT_SECRET_KEY`: the current key, then older ones still accepted for reading. */
export const parseKeys = (text: string): Buffer[] => text.split(',').map(parseKey);

/** The key file of a database: beside it, named after it. */
export const keyFilePath = (dbPath: string) => `${dbPath}.key`;

/** Keys from the environment: fixed for the life of the process. */
export function envKeySource(keys: Buffer[]): KeySource {
  return { keys: () => keys, reload: () => keys, origin: 'TOUCHPOINT_SECRET_KEY' };
}

/** A throwaway key for a database that lives in memory and dies with the process. */
export function memoryKeySource(): KeySource {
  const keys = [newKey()];
  return { keys: () => keys, reload: () => keys, origin: 'the in-memory key' };
}

/**
 * The key file beside the database, created (mode 0600) with a random key on first start.
 * Read again whenever it changes on disk, so a running relay follows `touchpoint secrets
 * rotate-key` without a restart.
 */
export function fileKeySource(path: string): KeySource {
  let keys = readOrCreate(path);
  let seen = stamp(path);
  const reload = () => {
    keys = readKeyFile(path);
    seen = stamp(path);
    return keys;
  };
  return {
    keys() {
      const now = stamp(path);
      return now !== null && now !== seen ? reload() : keys;
    },
    reload,
    origin: `the key file ${path}`,
  };
}

/**
 * Writes a key file atomically (a new file renamed over the old one), mode 0600. The first
 * key encrypts; the others only decrypt (what an interrupted rotation leaves behind).
 */
export function writeKeyFile(path: string, keys: Buffer[]): void {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, keyFileText(keys));
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

const keyFileText = (keys: Buffer[]) =>
  [
    '# Touchpoint: the key that encrypts the secrets stored in the database beside this file.',
    '# Keep it private, and back it up apart from the database (or set TOUCHPOINT_SECRET_KEY).',
    '# The first key encrypts; any others only decrypt (left by an interrupted rotation).',
    ...keys.map((k) => k.toString('base64')),
    '',
  ].join('\n');

function readKeyFile(path: string): Buffer[] {
  const lines = readFileSync(path, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  try {
    if (!lines.length) throw new Error('it holds no key');
    return lines.map(parseKey);
  } catch (err) {
    throw new SecretKeyError(`The key file ${path} is not valid: ${(err as Error).message}.`);
  }
}

function readOrCreate(path: string): Buffer[] {
  // Written whole under another name, then linked into place: the link fails if another
  // process created the file first, and no process ever reads a half-written one.
  const tmp = `${path}.${process.pid}.new`;
  writeKeyFile(tmp, [newKey()]);
  try {
    linkSync(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    chmodSync(path, 0o600); // also when it was made by hand, with looser permissions
  } finally {
    unlinkSync(tmp);
  }
  return readKeyFile(path);
}

/** What changes when the file is replaced or rewritten. */
function stamp(path: string): string | null {
  try {
    const s = statSync(path);
    return `${s.ino}:${s.mtimeMs}:${s.size}`;
  } catch {
    return null; // gone for a moment (being replaced): keep the keys already read
  }
}
