import { createChangeFeed, type ChangeFeed } from '../cluster/changes.js';
import { fromJson, now, type Db } from '../db/open.js';
import { dialect, pgAfterMs } from '../db/dialect.js';
import { sql } from '../db/sql.js';
import type { PageQuery } from '../http/pagination.js';
import type { Bot, BotStatusValue, BotType } from './schemas.js';

type Row = Omit<Bot, 'has_token' | 'settings'> & {
  settings: string;
  credential: string | null;
  credentials: string | null;
  webhook_secret_hash: string | null;
  webhook_secret_prev_hash: string | null;
  webhook_secret_prev_until: string | null;
};

/**
 * How long a Telegram webhook's previous secret stays valid after a new one was stored:
 * updates Telegram sent with it before it took the new one (a relay restarting the bot, or
 * the bot's new owner registering it while the old owner's registration was still on its
 * way) are not refused. Telegram retries a refused update, but not forever.
 */
export const WEBHOOK_SECRET_GRACE_MS = 2 * 60_000;

/** A bot's write-only secrets besides the token (WhatsApp: app secret, verify token). */
export type BotCredentials = Record<string, string>;

/**
 * Field by field: `credential`, `credentials` and `webhook_secret_hash` never leave the store
 * this way.
 */
const toBot = (r: Row): Bot => ({
  id: r.id,
  shop_id: r.shop_id,
  bot_type: r.bot_type,
  name: r.name,
  has_token: r.credential !== null && r.credential !== '',
  status: r.status,
  status_detail: r.status_detail,
  tg_bot_nickname: r.tg_bot_nickname,
  settings: fromJson(r.settings, {}),
  welcome_flow_id: r.welcome_flow_id,
  created_at: r.created_at,
  updated_at: r.updated_at,
});

export type NewBot = {
  shop_id: number;
  bot_type: BotType;
  name: string;
  credential: string | null;
  tg_bot_nickname: string | null;
  settings?: Record<string, unknown>;
  credentials?: BotCredentials | null;
};

export type BotChanges = Partial<{
  name: string;
  credential: string | null;
  settings: Record<string, unknown>;
  credentials: BotCredentials | null;
  tg_bot_nickname: string | null;
  welcome_flow_id: number | null;
  status: BotStatusValue;
  status_detail: string;
}>;

/**
 * A shop's bots (messenger channels) and their credentials, stored encrypted with the
 * operator's key (`db.secrets`, relay/secrets) and opened only for the channel adapters.
 */
/**
 * `feed` hears of every bot created, edited or deleted: the public API caches a shop's
 * bots, and the relay that owns a bot's connection reacts (relay/cluster/ownership.ts).
 */
export function createBotStore(db: Db, feed: ChangeFeed = createChangeFeed()) {
  const changed = (bot: { id: number; shop_id: number }) => {
    feed.shop(bot.shop_id);
    feed.bot(bot.id);
  };
  const seal = (credential: string | null) =>
    credential ? db.secrets.seal(credential) : credential;
  // The credentials document is sealed whole: one secret at rest, like the token.
  const sealAll = (credentials: BotCredentials | null | undefined) =>
    credentials && Object.keys(credentials).length
      ? db.secrets.seal(JSON.stringify(credentials))
      : null;
  const openAll = (stored: string | null): BotCredentials | null =>
    stored ? (JSON.parse(db.secrets.open(stored)) as BotCredentials) : null;
  const d = dialect(db.engine);
  const q = {
    insert: sql<Record<string, unknown>, Row>(
      `INSERT INTO bots (shop_id, bot_type, name, credential, tg_bot_nickname, settings, credentials)
       VALUES (@shop_id, @bot_type, @name, @credential, @tg_bot_nickname, @settings, @credentials)
       RETURNING *`,
    ),
    get: sql<[number], Row>(`SELECT * FROM bots WHERE id = ?`),
    lockedGet: sql<[number], Row>(`SELECT * FROM bots WHERE id = ?${d.forUpdate}`),
    list: sql<{ shop_id: number; limit: number; offset: number }, Row>(
      `SELECT * FROM bots WHERE shop_id = @shop_id ORDER BY id LIMIT @limit OFFSET @offset`,
    ),
    count: sql<[number], { n: number }>(`SELECT count(*) AS n FROM bots WHERE shop_id = ?`),
    update: sql<Record<string, unknown>, Row>(
      `UPDATE bots SET name = @name, credential = @credential, tg_bot_nickname = @tg_bot_nickname,
         settings = @settings, credentials = @credentials,
         welcome_flow_id = @welcome_flow_id, status = @status, status_detail = @status_detail,
         updated_at = @updated_at
       WHERE id = @id RETURNING *`,
    ),
    flowOf: sql<{ flow_id: number; shop_id: number; bot_id: number }, { id: number }>(
      `SELECT id FROM flows WHERE id = @flow_id AND shop_id = @shop_id AND bot_id = @bot_id`,
    ),
    delete: sql<[number], { shop_id: number }>(`DELETE FROM bots WHERE id = ? RETURNING shop_id`),
    // The secret in use becomes the previous one, valid for the grace period (PostgreSQL: by
    // its clock, which the relay checking an update shares).
    setSecretHash: sql<{ id: number; hash: string; until: string; grace_ms: number }, never>({
      sqlite: `UPDATE bots SET webhook_secret_prev_hash = webhook_secret_hash,
                 webhook_secret_prev_until = @until, webhook_secret_hash = @hash WHERE id = @id`,
      postgres: `UPDATE bots SET webhook_secret_prev_hash = webhook_secret_hash,
                   webhook_secret_prev_until = ${pgAfterMs('@grace_ms')}, webhook_secret_hash = @hash
                 WHERE id = @id`,
    }),
    clearSecretHash: sql<[number], never>(
      `UPDATE bots SET webhook_secret_hash = NULL, webhook_secret_prev_hash = NULL,
         webhook_secret_prev_until = NULL WHERE id = ?`,
    ),
    secretHashes: sql<[number], { current: string | null; previous: string | null }>(
      `SELECT webhook_secret_hash AS current,
         CASE WHEN webhook_secret_prev_until > ${d.now} THEN webhook_secret_prev_hash END AS previous
       FROM bots WHERE id = ?`,
    ),
    offset: sql<[number], { tg_update_offset: number }>(
      `SELECT tg_update_offset FROM bots WHERE id = ?`,
    ),
    setOffset: sql<{ id: number; offset: number }, never>(
      `UPDATE bots SET tg_update_offset = @offset WHERE id = @id AND tg_update_offset < @offset`,
    ),
    activeOfType: sql<[string], Row>(
      `SELECT * FROM bots WHERE bot_type = ? AND status = 'active' ORDER BY id`,
    ),
  };

  return {
    async create(input: NewBot): Promise<Bot> {
      const row = await db.get(q.insert, {
        shop_id: input.shop_id,
        bot_type: input.bot_type,
        name: input.name,
        tg_bot_nickname: input.tg_bot_nickname,
        credential: seal(input.credential),
        settings: JSON.stringify(input.settings ?? {}),
        credentials: sealAll(input.credentials),
      });
      const bot = toBot(row!);
      changed(bot);
      return bot;
    },

    async get(id: number): Promise<Bot | undefined> {
      const row = await db.get(q.get, [id]);
      return row && toBot(row);
    },

    /** The messenger credential, for the channel adapters only; never part of a response. */
    async credential(id: number): Promise<string | null> {
      const stored = (await db.get(q.get, [id]))?.credential;
      return stored ? db.secrets.open(stored) : null;
    },

    /**
     * The bot with its token and credentials opened, for the messengers alone (a send, an
     * inbound signature check); undefined for a deleted bot.
     */
    async withSecrets(
      id: number,
    ): Promise<{ bot: Bot; token: string | null; credentials: BotCredentials } | undefined> {
      const row = await db.get(q.get, [id]);
      if (!row) return undefined;
      return {
        bot: toBot(row),
        token: row.credential ? db.secrets.open(row.credential) : null,
        credentials: openAll(row.credentials) ?? {},
      };
    },

    async list(shopId: number, page: PageQuery): Promise<{ count: number; rows: Bot[] }> {
      return {
        count: (await db.value(q.count, [shopId]))!,
        rows: (await db.all(q.list, { shop_id: shopId, ...page })).map(toBot),
      };
    },

    /** True when `flowId` is a flow of this shop and this bot (a bot's welcome flow). */
    async isFlowOf(flowId: number, shopId: number, botId: number): Promise<boolean> {
      return (
        (await db.get(q.flowOf, { flow_id: flowId, shop_id: shopId, bot_id: botId })) !== undefined
      );
    },

    async update(id: number, changes: BotChanges): Promise<Bot | undefined> {
      // Read-modify-write (a status transition, a new token): the row stays locked until the
      // write, so a change made meanwhile by another relay is not written back over.
      const bot = await db.tx(async (tx) => {
        const current = await tx.get(q.lockedGet, [id]);
        if (!current) return undefined;
        const pick = <K extends keyof BotChanges & keyof Row>(k: K) =>
          (changes[k] !== undefined ? changes[k] : current[k]) as Required<BotChanges>[K];
        const row = await tx.get(q.update, {
          id,
          name: pick('name'),
          credential:
            changes.credential !== undefined ? seal(changes.credential) : current.credential,
          tg_bot_nickname: pick('tg_bot_nickname'),
          settings:
            changes.settings !== undefined ? JSON.stringify(changes.settings) : current.settings,
          credentials:
            changes.credentials !== undefined ? sealAll(changes.credentials) : current.credentials,
          welcome_flow_id: pick('welcome_flow_id'),
          status: pick('status'),
          status_detail: pick('status_detail'),
          updated_at: now(),
        });
        return row && toBot(row);
      });
      if (bot) changed(bot);
      return bot;
    },

    /** Active bots of one messenger, to connect at relay start. */
    async active(botType: BotType): Promise<Bot[]> {
      return (await db.all(q.activeOfType, [botType])).map(toBot);
    },

    /**
     * The hashes of the bot's Telegram webhook `secret_token`s (never the tokens) that
     * `X-Telegram-Bot-Api-Secret-Token` may carry: the current one, and the previous one
     * during its grace period. None when no webhook is registered.
     */
    async webhookSecretHashes(id: number): Promise<string[]> {
      const row = await db.get(q.secretHashes, [id]);
      return [row?.current, row?.previous].filter((h): h is string => !!h);
    },

    /**
     * A new secret (its hash); the one it replaces stays valid for WEBHOOK_SECRET_GRACE_MS.
     * Null: no webhook, no secret at all.
     */
    async setWebhookSecretHash(id: number, hash: string | null): Promise<void> {
      if (hash === null) await db.run(q.clearSecretHash, [id]);
      else
        await db.run(q.setSecretHash, {
          id,
          hash,
          until: new Date(Date.now() + WEBHOOK_SECRET_GRACE_MS).toISOString(),
          grace_ms: WEBHOOK_SECRET_GRACE_MS,
        });
    },

    /** Telegram long polling: the next `getUpdates` offset (0 before the first update). */
    async updateOffset(id: number): Promise<number> {
      return (await db.value(q.offset, [id])) ?? 0;
    },

    /** Only ever moves forward (a late writer cannot make updates come again). */
    async setUpdateOffset(id: number, offset: number): Promise<void> {
      await db.run(q.setOffset, { id, offset });
    },

    /** Deletes the bot with its bot users, flows and alert channels (all cascade). */
    async delete(id: number): Promise<boolean> {
      const gone = await db.get(q.delete, [id]);
      if (gone) changed({ id, shop_id: gone.shop_id });
      return gone !== undefined;
    },
  };
}
export type BotStore = ReturnType<typeof createBotStore>;
