import { now, type Db } from '../db/open.js';
import type { PageQuery } from '../http/pagination.js';
import type { Bot, BotStatusValue, BotType } from './schemas.js';

type Row = Omit<Bot, 'has_token'> & {
  credential: string | null;
  webhook_secret_hash: string | null;
};

/** Field by field: `credential` and `webhook_secret_hash` never leave the store this way. */
const toBot = (r: Row): Bot => ({
  id: r.id,
  shop_id: r.shop_id,
  bot_type: r.bot_type,
  name: r.name,
  has_token: r.credential !== null && r.credential !== '',
  status: r.status,
  status_detail: r.status_detail,
  tg_bot_nickname: r.tg_bot_nickname,
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
};

export type BotChanges = Partial<{
  name: string;
  credential: string | null;
  tg_bot_nickname: string | null;
  welcome_flow_id: number | null;
  status: BotStatusValue;
  status_detail: string;
}>;

/**
 * A shop's bots (messenger channels) and their credentials, stored encrypted with the
 * operator's key (`db.secrets`, relay/secrets) and opened only for the channel adapters.
 */
export function createBotStore(db: Db) {
  const seal = (credential: string | null) =>
    credential ? db.secrets.seal(credential) : credential;
  const q = {
    insert: db.prepare<NewBot, Row>(
      `INSERT INTO bots (shop_id, bot_type, name, credential, tg_bot_nickname)
       VALUES (@shop_id, @bot_type, @name, @credential, @tg_bot_nickname) RETURNING *`,
    ),
    get: db.prepare<[number], Row>(`SELECT * FROM bots WHERE id = ?`),
    list: db.prepare<{ shop_id: number; limit: number; offset: number }, Row>(
      `SELECT * FROM bots WHERE shop_id = @shop_id ORDER BY id LIMIT @limit OFFSET @offset`,
    ),
    count: db.prepare<[number], { n: number }>(`SELECT count(*) AS n FROM bots WHERE shop_id = ?`),
    update: db.prepare<Required<BotChanges> & { id: number; updated_at: string }, Row>(
      `UPDATE bots SET name = @name, credential = @credential, tg_bot_nickname = @tg_bot_nickname,
         welcome_flow_id = @welcome_flow_id, status = @status, status_detail = @status_detail,
         updated_at = @updated_at
       WHERE id = @id RETURNING *`,
    ),
    flowOf: db.prepare<{ flow_id: number; shop_id: number; bot_id: number }, { id: number }>(
      `SELECT id FROM flows WHERE id = @flow_id AND shop_id = @shop_id AND bot_id = @bot_id`,
    ),
    delete: db.prepare<[number]>(`DELETE FROM bots WHERE id = ?`),
    setSecretHash: db.prepare<{ id: number; hash: string | null }>(
      `UPDATE bots SET webhook_secret_hash = @hash WHERE id = @id`,
    ),
    offset: db.prepare<[number], number>(`SELECT tg_update_offset FROM bots WHERE id = ?`).pluck(),
    setOffset: db.prepare<{ id: number; offset: number }>(
      `UPDATE bots SET tg_update_offset = @offset WHERE id = @id AND tg_update_offset < @offset`,
    ),
    activeOfType: db.prepare<[string], Row>(
      `SELECT * FROM bots WHERE bot_type = ? AND status = 'active' ORDER BY id`,
    ),
  };

  return {
    async create(input: NewBot): Promise<Bot> {
      return toBot(q.insert.get({ ...input, credential: seal(input.credential) })!);
    },

    async get(id: number): Promise<Bot | undefined> {
      const row = q.get.get(id);
      return row && toBot(row);
    },

    /** The messenger credential, for the channel adapters only; never part of a response. */
    async credential(id: number): Promise<string | null> {
      const stored = q.get.get(id)?.credential;
      return stored ? db.secrets.open(stored) : null;
    },

    async list(shopId: number, page: PageQuery): Promise<{ count: number; rows: Bot[] }> {
      return {
        count: q.count.get(shopId)!.n,
        rows: q.list.all({ shop_id: shopId, ...page }).map(toBot),
      };
    },

    /** True when `flowId` is a flow of this shop and this bot (a bot's welcome flow). */
    async isFlowOf(flowId: number, shopId: number, botId: number): Promise<boolean> {
      return q.flowOf.get({ flow_id: flowId, shop_id: shopId, bot_id: botId }) !== undefined;
    },

    async update(id: number, changes: BotChanges): Promise<Bot | undefined> {
      const current = q.get.get(id);
      if (!current) return undefined;
      const pick = <K extends keyof BotChanges>(k: K) =>
        (changes[k] !== undefined ? changes[k] : current[k]) as Required<BotChanges>[K];
      const row = q.update.get({
        id,
        name: pick('name'),
        credential:
          changes.credential !== undefined ? seal(changes.credential) : current.credential,
        tg_bot_nickname: pick('tg_bot_nickname'),
        welcome_flow_id: pick('welcome_flow_id'),
        status: pick('status'),
        status_detail: pick('status_detail'),
        updated_at: now(),
      });
      return row && toBot(row);
    },

    /** Active bots of one messenger, to connect at relay start. */
    async active(botType: BotType): Promise<Bot[]> {
      return q.activeOfType.all(botType).map(toBot);
    },

    /**
     * The hash of the bot's Telegram webhook `secret_token` (never the token itself), to
     * check `X-Telegram-Bot-Api-Secret-Token` against; null when no webhook is registered.
     */
    async webhookSecretHash(id: number): Promise<string | null> {
      return q.get.get(id)?.webhook_secret_hash ?? null;
    },

    async setWebhookSecretHash(id: number, hash: string | null): Promise<void> {
      q.setSecretHash.run({ id, hash });
    },

    /** Telegram long polling: the next `getUpdates` offset (0 before the first update). */
    async updateOffset(id: number): Promise<number> {
      return q.offset.get(id) ?? 0;
    },

    /** Only ever moves forward (a late writer cannot make updates come again). */
    async setUpdateOffset(id: number, offset: number): Promise<void> {
      q.setOffset.run({ id, offset });
    },

    /** Deletes the bot with its bot users, flows and alert channels (all cascade). */
    async delete(id: number): Promise<boolean> {
      return q.delete.run(id).changes > 0;
    },
  };
}
export type BotStore = ReturnType<typeof createBotStore>;
