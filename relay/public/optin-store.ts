import { randomBytes } from 'node:crypto';
import { hashToken } from '../auth/secrets.js';
import type { Db } from '../db/open.js';
import { sql, type Conn, type Tx } from '../db/sql.js';

/** How long an opt-in token can be redeemed: long enough to install a messenger. */
export const OPTIN_TOKEN_TTL_MS = 30 * 60 * 1000;

/** 16 random bytes in base64url: 22 characters, well inside Telegram's 64 for `start`. */
export const OPTIN_TOKEN = /^[A-Za-z0-9_-]{22}$/;

/** An opt-in token as stored (never the token itself: only its hash is kept). */
export type OptinToken = {
  id: number;
  shop_id: number;
  /** The bot it was issued for; null when any of the shop's bots may redeem it. */
  bot_id: number | null;
  lead_id: number | null;
  order_id: number | null;
  visitor_id: string | null;
  created_at: string;
  expires_at: string;
  used_at: string | null;
  /** The bot user who redeemed it. */
  bot_user_id: number | null;
};

export type NewOptin = {
  shop_id: number;
  bot_id: number | null;
  lead_id: number | null;
  order_id: number | null;
  visitor_id: string | null;
};

/**
 * What a `/start <token>` comes to for the person who sent it:
 * - `linked`: the token is theirs — redeemed now, or by them before (the link opened
 *   again); `optin` says what it names;
 * - `used`: someone else redeemed it;
 * - `expired`: past its time, unknown, or not for this bot.
 */
export type Redemption =
  | { status: 'linked'; optin: OptinToken; now: boolean }
  | { status: 'used' }
  | { status: 'expired' };

const COLUMNS = `id, shop_id, bot_id, lead_id, order_id, visitor_id, created_at, expires_at,
  used_at, bot_user_id`;

const q = {
  insert: sql<NewOptin & { token_hash: string; expires_at: string }, never>(
    `INSERT INTO optin_tokens (shop_id, token_hash, bot_id, lead_id, order_id, visitor_id, expires_at)
     VALUES (@shop_id, @token_hash, @bot_id, @lead_id, @order_id, @visitor_id, @expires_at)`,
  ),
  // The redeeming bot user must be of the token's shop, and of its bot when it names one.
  // One conditional UPDATE: of two redemptions at once, exactly one wins.
  consume: sql<{ token_hash: string; bot_user_id: number; now: string }, OptinToken>(
    `UPDATE optin_tokens SET used_at = @now, bot_user_id = @bot_user_id
     WHERE token_hash = @token_hash AND used_at IS NULL AND expires_at > @now
       AND shop_id = (SELECT shop_id FROM bot_users WHERE id = @bot_user_id)
       AND (bot_id IS NULL OR bot_id = (SELECT bot_id FROM bot_users WHERE id = @bot_user_id))
     RETURNING ${COLUMNS}`,
  ),
  // A token the person could not redeem, as far as their bot may know it: of the bot
  // user's shop, and of their bot when it names one.
  find: sql<{ token_hash: string; bot_user_id: number }, OptinToken>(
    `SELECT ${COLUMNS} FROM optin_tokens
     WHERE token_hash = @token_hash
       AND shop_id = (SELECT shop_id FROM bot_users WHERE id = @bot_user_id)
       AND (bot_id IS NULL OR bot_id = (SELECT bot_id FROM bot_users WHERE id = @bot_user_id))`,
  ),
  // Any token of the shop the bot may redeem, in whatever state (used, expired): the person
  // meant to opt in, and is told what became of it.
  known: sql<{ token_hash: string; shop_id: number; bot_id: number }, { one: number }>(
    `SELECT 1 AS one FROM optin_tokens
     WHERE token_hash = @token_hash AND shop_id = @shop_id AND (bot_id IS NULL OR bot_id = @bot_id)`,
  ),
  leadOfVisitor: sql<{ id: number; shop_id: number; visitor_id: string }, { one: number }>(
    `SELECT 1 AS one FROM leads WHERE id = @id AND shop_id = @shop_id AND visitor_id = @visitor_id`,
  ),
  orderByRef: sql<{ shop_id: number; ref: string }, { id: number }>(
    `SELECT id FROM orders WHERE shop_id = @shop_id AND optin_ref = @ref`,
  ),
  prune: sql<string, never>(`DELETE FROM optin_tokens WHERE expires_at < ?`),
};

/**
 * Messenger opt-in tokens: the widget asks for one (POST /public/v1/optins), the visitor
 * opens the deep link, the messenger hands the token to the bot (`/start <token>`), and
 * the channel calls `consume` to learn which visitor, lead or order the new subscriber
 * came from. Single-use and short-lived.
 */
export function createOptinStore(db: Db) {
  let nextPrune = 0;

  const consumeInTx = async (
    c: Conn,
    token: string,
    botUserId: number,
  ): Promise<OptinToken | null> => {
    if (!OPTIN_TOKEN.test(token)) return null;
    const row = await c.get(q.consume, {
      token_hash: hashToken(token),
      bot_user_id: botUserId,
      now: new Date().toISOString(),
    });
    return row ?? null;
  };

  return {
    /** Issues a token; the token is returned here only. */
    async create(input: NewOptin): Promise<{ token: string; expires_at: string }> {
      const token = randomBytes(16).toString('base64url');
      const t = Date.now();
      const expires_at = new Date(t + OPTIN_TOKEN_TTL_MS).toISOString();
      await db.run(q.insert, { ...input, token_hash: hashToken(token), expires_at });
      if (t >= nextPrune) {
        // Used and expired tokens are kept a week, for support questions, then dropped.
        nextPrune = t + 60 * 60 * 1000;
        await db.run(q.prune, new Date(t - 7 * 24 * 60 * 60 * 1000).toISOString());
      }
      return { token, expires_at };
    },

    /**
     * Redeems a token for `botUserId` atomically (one UPDATE): the opt-in, now marked used,
     * or null when the token is unknown, used, expired, of another shop, or issued for
     * another bot of the shop. Call it on `/start <token>` once the bot user exists.
     */
    async consume(token: string, botUserId: number): Promise<OptinToken | null> {
      return consumeInTx(db, token, botUserId);
    },

    /**
     * `consume` in the caller's transaction: the /start handler redeems the token in the
     * same write transaction that creates the bot user and links it (relay/channels/inbound.ts).
     */
    consumeInTx: (tx: Tx, token: string, botUserId: number) => consumeInTx(tx, token, botUserId),

    /**
     * `/start <token>` for `botUserId`, in the caller's transaction: redeems the token, or
     * tells why it cannot be. null when `token` does not even look like an opt-in token (a
     * deep link of the shop's own, say): nothing to tell the person then.
     */
    async redeemInTx(tx: Tx, token: string, botUserId: number): Promise<Redemption | null> {
      if (!OPTIN_TOKEN.test(token)) return null;
      const redeemed = await consumeInTx(tx, token, botUserId);
      if (redeemed) return { status: 'linked', optin: redeemed, now: true };
      const known = await tx.get(q.find, { token_hash: hashToken(token), bot_user_id: botUserId });
      if (known?.used_at && known.bot_user_id === botUserId)
        return { status: 'linked', optin: known, now: false };
      return known?.used_at ? { status: 'used' } : { status: 'expired' };
    },

    /**
     * True when `token` is an opt-in token that `bot` may redeem (its shop's, for it or for any
     * of the shop's bots), used or not: for messengers where the token arrives inside a
     * message the person typed (WhatsApp), so that a word that merely looks like a token is
     * read as text.
     */
    async known(token: string, bot: { id: number; shop_id: number }): Promise<boolean> {
      if (!OPTIN_TOKEN.test(token)) return false;
      const row = await db.get(q.known, {
        token_hash: hashToken(token),
        shop_id: bot.shop_id,
        bot_id: bot.id,
      });
      return row !== undefined;
    },

    /**
     * True when `leadId` is a lead of `shopId` sent by `visitorId`: a lead opt-in is the
     * visitor's own, so a publishable key and a lead id cannot claim somebody else's lead.
     */
    async isLeadOfVisitor(leadId: number, shopId: number, visitorId: string): Promise<boolean> {
      const row = await db.get(q.leadOfVisitor, {
        id: leadId,
        shop_id: shopId,
        visitor_id: visitorId,
      });
      return row !== undefined;
    },

    /** The shop's order with this `optin_ref` (never its number or external id). */
    async orderByRef(shopId: number, ref: string): Promise<number | undefined> {
      return db.value(q.orderByRef, { shop_id: shopId, ref });
    },
  };
}
export type OptinStore = ReturnType<typeof createOptinStore>;
