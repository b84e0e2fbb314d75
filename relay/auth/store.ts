import type { Db } from '../db/open.js';
import type { Role } from './principal.js';
import {
  DUMMY_PASSWORD_HASH,
  hashPassword,
  hashToken,
  randomHex,
  randomKey,
  verifyPassword,
} from './secrets.js';

export type User = { id: number; email: string; created_at: string };

/** A login token: the value (shown once) and when it expires unless it is used. */
export type IssuedToken = { token: string; expiry: string };

/** `password_hash` of an invited user who has not chosen a password: no scrypt hash matches it. */
const NO_PASSWORD = '!';

const DAY_MS = 24 * 60 * 60_000;
const HOUR_MS = 60 * 60_000;
/** The login token lifetime when a caller names none (TOUCHPOINT_TOKEN_TTL_DAYS' default). */
export const DEFAULT_TOKEN_TTL_MS = 30 * DAY_MS;
/** How long a password-set link stays valid. */
export const PASSWORD_SET_TTL_MS = 7 * DAY_MS;

const isoIn = (ms: number, from = Date.now()) => new Date(from + ms).toISOString();

/**
 * A used token's expiry moves forward only when it would gain at least this much: about
 * once an hour per token, not a write on every request (a tenth of the lifetime when that
 * is shorter, so a short lifetime still slides).
 */
const slideStep = (ttlMs: number) => Math.min(HOUR_MS, ttlMs / 10);

/** Platform users, their login tokens, password-set links and their shop memberships. */
export function createUserStore(db: Db) {
  const q = {
    insert: db.prepare<{ email: string; password_hash: string }, User>(
      `INSERT INTO users (email, password_hash) VALUES (@email, @password_hash)
       RETURNING id, email, created_at`,
    ),
    byEmail: db.prepare<[string], User & { password_hash: string }>(
      `SELECT id, email, created_at, password_hash FROM users WHERE email = ?`,
    ),
    byId: db.prepare<[number], User>(`SELECT id, email, created_at FROM users WHERE id = ?`),
    hasPassword: db.prepare<[number], { ok: number }>(
      `SELECT password_hash <> '${NO_PASSWORD}' AS ok FROM users WHERE id = ?`,
    ),
    setPassword: db.prepare<{ id: number; password_hash: string }>(
      `UPDATE users SET password_hash = @password_hash WHERE id = @id`,
    ),
    insertToken: db.prepare<{ user_id: number; token_hash: string; expires_at: string }>(
      `INSERT INTO auth_tokens (user_id, token_hash, expires_at) VALUES (@user_id, @token_hash, @expires_at)`,
    ),
    tokenByHash: db.prepare<[string], { id: number; user_id: number; expires_at: string | null }>(
      `SELECT id, user_id, expires_at FROM auth_tokens WHERE token_hash = ?`,
    ),
    setTokenExpiry: db.prepare<{ id: number; expires_at: string }>(
      `UPDATE auth_tokens SET expires_at = @expires_at WHERE id = @id`,
    ),
    deleteToken: db.prepare<[number]>(`DELETE FROM auth_tokens WHERE id = ?`),
    deleteUserTokens: db.prepare<[number]>(`DELETE FROM auth_tokens WHERE user_id = ?`),
    pruneTokens: db.prepare<[string]>(`DELETE FROM auth_tokens WHERE expires_at <= ?`),
    memberships: db.prepare<[number], { shop_id: number; role: Role }>(
      `SELECT shop_id, role FROM shop_members WHERE user_id = ?`,
    ),
    insertPasswordSet: db.prepare<{ user_id: number; token_hash: string; expires_at: string }>(
      `INSERT INTO password_set_tokens (user_id, token_hash, expires_at)
       VALUES (@user_id, @token_hash, @expires_at)`,
    ),
    passwordSetUser: db.prepare<{ token_hash: string; now: string }, { user_id: number }>(
      `SELECT user_id FROM password_set_tokens WHERE token_hash = @token_hash AND expires_at > @now`,
    ),
    consumePasswordSet: db.prepare<{ token_hash: string; now: string }, { user_id: number }>(
      `DELETE FROM password_set_tokens WHERE token_hash = @token_hash AND expires_at > @now
       RETURNING user_id`,
    ),
    deletePasswordSets: db.prepare<[number]>(`DELETE FROM password_set_tokens WHERE user_id = ?`),
    prunePasswordSets: db.prepare<[string]>(
      `DELETE FROM password_set_tokens WHERE expires_at <= ?`,
    ),
  };

  /** The link is used once: consuming it, setting the password and ending old sessions commit together. */
  const setPasswordByLinkTx = db.transaction((tokenHash: string, passwordHash: string) => {
    const row = q.consumePasswordSet.get({ token_hash: tokenHash, now: new Date().toISOString() });
    if (!row) return null;
    q.setPassword.run({ id: row.user_id, password_hash: passwordHash });
    q.deletePasswordSets.run(row.user_id);
    q.deleteUserTokens.run(row.user_id);
    return q.byId.get(row.user_id) ?? null;
  });

  const issue = (userId: number, ttlMs: number): IssuedToken => {
    const now = Date.now();
    q.pruneTokens.run(new Date(now).toISOString());
    const token = randomHex(32);
    const expiry = isoIn(ttlMs, now);
    q.insertToken.run({ user_id: userId, token_hash: hashToken(token), expires_at: expiry });
    return { token, expiry };
  };

  return {
    async create(email: string, password: string): Promise<User> {
      return q.insert.get({ email, password_hash: await hashPassword(password) })!;
    },

    /** A user invited by email, who chooses a password through a password-set link. */
    async createInvited(email: string): Promise<User> {
      return q.insert.get({ email, password_hash: NO_PASSWORD })!;
    },

    async findByEmail(email: string): Promise<User | undefined> {
      const row = q.byEmail.get(email);
      return row && { id: row.id, email: row.email, created_at: row.created_at };
    },

    async get(id: number): Promise<User | undefined> {
      return q.byId.get(id);
    },

    async hasPassword(id: number): Promise<boolean> {
      return q.hasPassword.get(id)?.ok === 1;
    },

    async setPassword(id: number, password: string): Promise<void> {
      q.setPassword.run({ id, password_hash: await hashPassword(password) });
    },

    /**
     * The user for this email and password, or null. Unknown emails and users without a
     * password cost the same scrypt time as a wrong password.
     */
    async checkPassword(email: string, password: string): Promise<User | null> {
      const row = q.byEmail.get(email);
      const usable = row && row.password_hash !== NO_PASSWORD;
      const valid = await verifyPassword(
        password,
        usable ? row.password_hash : DUMMY_PASSWORD_HASH,
      );
      return usable && valid ? { id: row.id, email: row.email, created_at: row.created_at } : null;
    },

    /** A new login token; only its hash is stored. Expired tokens of everyone are pruned here. */
    async issueToken(userId: number, ttlMs = DEFAULT_TOKEN_TTL_MS): Promise<string> {
      return issue(userId, ttlMs).token;
    },

    /** Like issueToken, with the expiry the login answer reports. */
    async issueTokenWithExpiry(userId: number, ttlMs = DEFAULT_TOKEN_TTL_MS): Promise<IssuedToken> {
      return issue(userId, ttlMs);
    },

    /**
     * The token's user, sliding its expiry to `ttlMs` from now (written at most about once
     * an hour). An expired token is deleted and answers null, like one that never existed.
     */
    async findToken(
      token: string,
      ttlMs = DEFAULT_TOKEN_TTL_MS,
    ): Promise<{ tokenId: number; userId: number } | null> {
      const row = q.tokenByHash.get(hashToken(token));
      if (!row) return null;
      const now = Date.now();
      if (!row.expires_at || row.expires_at <= new Date(now).toISOString()) {
        q.deleteToken.run(row.id);
        return null;
      }
      // Forward as it is used; back, too, when the operator shortened the lifetime.
      if (Math.abs(now + ttlMs - Date.parse(row.expires_at)) >= slideStep(ttlMs)) {
        q.setTokenExpiry.run({ id: row.id, expires_at: isoIn(ttlMs, now) });
      }
      return { tokenId: row.id, userId: row.user_id };
    },

    async revokeToken(tokenId: number): Promise<void> {
      q.deleteToken.run(tokenId);
    },

    async revokeAllTokens(userId: number): Promise<void> {
      q.deleteUserTokens.run(userId);
    },

    async shopIds(userId: number): Promise<number[]> {
      return q.memberships.all(userId).map((r) => r.shop_id);
    },

    /** The user's role in each shop they are a member of. */
    async roles(userId: number): Promise<Map<number, Role>> {
      return new Map(q.memberships.all(userId).map((r) => [r.shop_id, r.role]));
    },

    /** A one-time password-set link's token (43 characters); only its hash is stored. */
    async issuePasswordSetToken(userId: number, ttlMs = PASSWORD_SET_TTL_MS): Promise<string> {
      const now = Date.now();
      q.prunePasswordSets.run(new Date(now).toISOString());
      const token = randomKey('');
      q.insertPasswordSet.run({
        user_id: userId,
        token_hash: hashToken(token),
        expires_at: isoIn(ttlMs, now),
      });
      return token;
    },

    /** Whether a password-set token is known and unexpired (cheap: no hashing of a password). */
    async passwordSetTokenValid(token: string): Promise<boolean> {
      return Boolean(
        q.passwordSetUser.get({ token_hash: hashToken(token), now: new Date().toISOString() }),
      );
    },

    /**
     * Sets the password of the link's user and ends the user's other sessions, using the link
     * up; null when the link is unknown, expired or was used (also by a parallel request).
     */
    async setPasswordByLink(token: string, password: string): Promise<User | null> {
      const passwordHash = await hashPassword(password);
      return setPasswordByLinkTx.immediate(hashToken(token), passwordHash);
    },
  };
}
export type UserStore = ReturnType<typeof createUserStore>;
