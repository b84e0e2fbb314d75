import type { Db } from '../db/open.js';
import {
  DUMMY_PASSWORD_HASH,
  hashPassword,
  hashToken,
  randomHex,
  verifyPassword,
} from './secrets.js';

export type User = { id: number; email: string; created_at: string };

/** Platform users, their login tokens and their shop memberships. */
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
    setPassword: db.prepare<{ id: number; password_hash: string }>(
      `UPDATE users SET password_hash = @password_hash WHERE id = @id`,
    ),
    insertToken: db.prepare<{ user_id: number; token_hash: string; expires_at: string | null }>(
      `INSERT INTO auth_tokens (user_id, token_hash, expires_at) VALUES (@user_id, @token_hash, @expires_at)`,
    ),
    tokenByHash: db.prepare<[string], { id: number; user_id: number; expires_at: string | null }>(
      `SELECT id, user_id, expires_at FROM auth_tokens WHERE token_hash = ?`,
    ),
    deleteToken: db.prepare<[number]>(`DELETE FROM auth_tokens WHERE id = ?`),
    deleteUserTokens: db.prepare<[number]>(`DELETE FROM auth_tokens WHERE user_id = ?`),
    memberShops: db.prepare<[number], { shop_id: number }>(
      `SELECT shop_id FROM shop_members WHERE user_id = ?`,
    ),
  };

  return {
    async create(email: string, password: string): Promise<User> {
      return q.insert.get({ email, password_hash: await hashPassword(password) })!;
    },

    async findByEmail(email: string): Promise<User | undefined> {
      const row = q.byEmail.get(email);
      return row && { id: row.id, email: row.email, created_at: row.created_at };
    },

    async get(id: number): Promise<User | undefined> {
      return q.byId.get(id);
    },

    async setPassword(id: number, password: string): Promise<void> {
      q.setPassword.run({ id, password_hash: await hashPassword(password) });
    },

    /** The user for this email and password, or null. Unknown emails cost the same time. */
    async checkPassword(email: string, password: string): Promise<User | null> {
      const row = q.byEmail.get(email);
      const valid = await verifyPassword(password, row?.password_hash ?? DUMMY_PASSWORD_HASH);
      return row && valid ? { id: row.id, email: row.email, created_at: row.created_at } : null;
    },

    /** A new login token; only its hash is stored. */
    async issueToken(userId: number, expiresAt: string | null = null): Promise<string> {
      const token = randomHex(32);
      q.insertToken.run({ user_id: userId, token_hash: hashToken(token), expires_at: expiresAt });
      return token;
    },

    async findToken(token: string): Promise<{ tokenId: number; userId: number } | null> {
      const row = q.tokenByHash.get(hashToken(token));
      if (!row || (row.expires_at && row.expires_at <= new Date().toISOString())) return null;
      return { tokenId: row.id, userId: row.user_id };
    },

    async revokeToken(tokenId: number): Promise<void> {
      q.deleteToken.run(tokenId);
    },

    async revokeAllTokens(userId: number): Promise<void> {
      q.deleteUserTokens.run(userId);
    },

    async shopIds(userId: number): Promise<number[]> {
      return q.memberShops.all(userId).map((r) => r.shop_id);
    },
  };
}
export type UserStore = ReturnType<typeof createUserStore>;
