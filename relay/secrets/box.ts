import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** An operator key: 32 random bytes (AES-256). */
export const KEY_BYTES = 32;
const IV_BYTES = 12; // the GCM standard nonce, random per secret
const PREFIX = 'enc:v1:';

/**
 * A short public name for a key, stored with every secret it encrypts, so that the relay
 * can tell which key a secret needs (rotation, a wrong key at start) without trying them.
 */
export const keyId = (key: Buffer) =>
  createHash('sha256').update('touchpoint key id\0').update(key).digest('base64url').slice(0, 8);

/** Where the relay gets its keys: the current one first, then older ones it can still read. */
export type KeySource = {
  /** The keys as they are now (a key file may have been rotated by the CLI meanwhile). */
  keys(): Buffer[];
  /** Reads the keys again; called when a secret names a key not known yet. */
  reload(): Buffer[];
  /** Where the keys came from, for messages: `TOUCHPOINT_SECRET_KEY` or the key file. */
  readonly origin: string;
};

export class SecretKeyError extends Error {}

/**
 * Encrypts the secrets the relay must be able to use (bot tokens, webhook signing secrets,
 * the captcha secret) with the operator's key: AES-256-GCM with a random 12-byte IV, stored
 * as `enc:v1:<key id>:<iv>:<tag>:<ciphertext>` (base64url). GCM's tag makes a changed value
 * or a wrong key fail loudly instead of decrypting to garbage.
 * https://nvlpubs.nist.gov/nistpubs/Legacy/SP/nistspecialpublication800-38d.pdf
 */
export function createSecretBox(source: KeySource) {
  let keys = source.keys();
  let ring = toRing(keys);
  // Decrypted values by their stored form: a delivery reads its secret on every send.
  const opened = new Map<string, string>();

  /** A source answers the same array until its keys change. */
  const refresh = (now: Buffer[]) => {
    if (now !== keys) ring = toRing((keys = now));
  };

  return {
    /** The id of the key new secrets are encrypted with. */
    get keyId() {
      refresh(source.keys());
      return ring.current.id;
    },

    seal(plain: string): string {
      refresh(source.keys());
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', ring.current.key, iv);
      const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      const parts = [ring.current.id, iv, cipher.getAuthTag(), ct].map((p) =>
        typeof p === 'string' ? p : p.toString('base64url'),
      );
      return PREFIX + parts.join(':');
    },

    /** The plaintext of a sealed value; SecretKeyError when no known key opens it. */
    open(sealed: string): string {
      const hit = opened.get(sealed);
      if (hit !== undefined) return hit;
      const parts = sealed.startsWith(PREFIX) ? sealed.slice(PREFIX.length).split(':') : [];
      if (parts.length !== 4)
        throw new SecretKeyError('A stored secret is not in the enc:v1 form.');
      const [id, iv, tag, ct] = parts;
      let key = ring.byId.get(id);
      if (!key) {
        refresh(source.reload());
        key = ring.byId.get(id);
      }
      if (!key)
        throw new SecretKeyError(
          `A stored secret was encrypted with key ${id}, which ${source.origin} does not hold (it holds ${[...ring.byId.keys()].join(', ')}): start the relay with the key the secrets were encrypted with.`,
        );
      let plain: string;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        plain = decipher.update(ct, 'base64url', 'utf8') + decipher.final('utf8');
      } catch {
        throw new SecretKeyError(
          `A stored secret under key ${id} is damaged: it does not decrypt.`,
        );
      }
      if (opened.size >= 1000) opened.clear();
      opened.set(sealed, plain);
      return plain;
    },

    /** The key id of a sealed value, or null for a value stored in clear. */
    sealedWith(value: string): string | null {
      return value.startsWith(PREFIX) ? (value.slice(PREFIX.length).split(':')[0] ?? null) : null;
    },
  };
}
export type SecretBox = ReturnType<typeof createSecretBox>;

function toRing(keys: Buffer[]) {
  if (!keys.length) throw new SecretKeyError('No secret key.');
  const ring = keys.map((key) => ({ id: keyId(key), key }));
  return { current: ring[0], byId: new Map(ring.map((k) => [k.id, k.key])) };
}

/** A new random operator key. */
export const newKey = () => randomBytes(KEY_BYTES);
