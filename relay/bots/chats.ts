import { createRoute, z } from '@hono/zod-openapi';
import { owned, ShopQuery } from '../auth/principal.js';
import { now, type Db } from '../db/open.js';
import { sql, type Tx } from '../db/sql.js';
import type { Deps } from '../deps.js';
import { createRouter, errorResponses, IdParam, ok, pageJson, security } from '../http/api.js';
import { PageQuery, toPage } from '../http/pagination.js';

/**
 * Where a bot is in a group or channel, as Telegram's `ChatMember.status` says it: present
 * (`member`, `administrator`, `creator`, `restricted`) or gone (`left`, `kicked`).
 * https://core.telegram.org/bots/api#chatmember
 */
const PRESENT = ['creator', 'administrator', 'member', 'restricted'] as const;
export const ChatMemberStatus = z.enum([...PRESENT, 'left', 'kicked']);
export type ChatMemberStatus = z.infer<typeof ChatMemberStatus>;
export const isPresent = (s: string) => (PRESENT as readonly string[]).includes(s);

export const BotChat = z
  .object({
    id: z.number().int(),
    shop_id: z.number().int(),
    bot_id: z.number().int(),
    /** The messenger's id of the chat (negative for Telegram groups): an alert channel's `chat_id`. */
    chat_id: z.string(),
    /** `group`, `supergroup` or `channel`. */
    type: z.string(),
    title: z.string(),
    status: ChatMemberStatus,
    /** The shop's alert channels posting to this chat through this bot. */
    alert_channel_ids: z.array(z.number().int()),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('BotChat');
export type BotChat = z.infer<typeof BotChat>;

/** A group or channel as the messenger describes it in a membership update. */
export type ChatInfo = { chat_id: string; type: string; title: string };

type Row = Omit<BotChat, 'alert_channel_ids'>;
type Upsert = ChatInfo & { shop_id: number; bot_id: number; status: string; now: string };

const q = {
  upsert: sql<Upsert, Row>(
    `INSERT INTO bot_chats (shop_id, bot_id, chat_id, type, title, status, created_at, updated_at)
     VALUES (@shop_id, @bot_id, @chat_id, @type, @title, @status, @now, @now)
     ON CONFLICT (bot_id, chat_id) DO UPDATE SET type = excluded.type,
       title = CASE WHEN excluded.title <> '' THEN excluded.title ELSE bot_chats.title END,
       status = excluded.status, updated_at = excluded.updated_at
     RETURNING *`,
  ),
  get: sql<[number], Row>(`SELECT * FROM bot_chats WHERE id = ?`),
  byChat: sql<{ bot_id: number; chat_id: string }, Row>(
    `SELECT * FROM bot_chats WHERE bot_id = @bot_id AND chat_id = @chat_id`,
  ),
  list: sql<{ bot_id: number; limit: number; offset: number }, Row>(
    `SELECT * FROM bot_chats WHERE bot_id = @bot_id
       AND status IN ('creator', 'administrator', 'member', 'restricted')
     ORDER BY updated_at DESC, id DESC LIMIT @limit OFFSET @offset`,
  ),
  count: sql<{ bot_id: number }, { n: number }>(
    `SELECT count(*) AS n FROM bot_chats WHERE bot_id = @bot_id
       AND status IN ('creator', 'administrator', 'member', 'restricted')`,
  ),
  channels: sql<{ bot_id: number }, { chat_id: string; id: number }>(
    `SELECT chat_id, id FROM notification_channels WHERE bot_id = @bot_id AND chat_id IS NOT NULL
     ORDER BY id`,
  ),
  alertChat: sql<{ bot_id: number; chat_id: string }, { id: number }>(
    `SELECT id FROM notification_channels WHERE bot_id = @bot_id AND chat_id = @chat_id LIMIT 1`,
  ),
  move: sql<{ bot_id: number; from: string; to: string; now: string }, never>(
    `UPDATE bot_chats SET chat_id = @to, type = 'supergroup', updated_at = @now
     WHERE bot_id = @bot_id AND chat_id = @from
       AND NOT EXISTS (SELECT 1 FROM bot_chats WHERE bot_id = @bot_id AND chat_id = @to)`,
  ),
};

/**
 * The groups and channels each bot was added to (`bot_chats`), from the messenger's
 * membership updates (Telegram `my_chat_member`, the sandbox inbox's groups): the chats a
 * shop can pick for its alert channels instead of finding a chat id by hand.
 */
export function createBotChatStore(db: Db) {
  const withChannels = async (rows: Row[], botId: number): Promise<BotChat[]> => {
    const channels = rows.length ? await db.all(q.channels, { bot_id: botId }) : [];
    return rows.map((r) => ({
      ...r,
      alert_channel_ids: channels.filter((c) => c.chat_id === r.chat_id).map((c) => c.id),
    }));
  };
  const upsertInTx = async (
    tx: Tx,
    bot: { id: number; shop_id: number },
    chat: ChatInfo,
    status: ChatMemberStatus,
  ): Promise<BotChat> => {
    const row = (await tx.get(q.upsert, {
      ...chat,
      title: chat.title.slice(0, 255),
      shop_id: bot.shop_id,
      bot_id: bot.id,
      status,
      now: now(),
    }))!;
    return { ...row, alert_channel_ids: [] };
  };
  return {
    /** Records the bot's membership in a chat, in a transaction of its own (the demo seed). */
    async upsert(bot: { id: number; shop_id: number }, chat: ChatInfo, status: ChatMemberStatus) {
      return db.tx((tx) => upsertInTx(tx, bot, chat, status));
    },

    /** Records the bot's membership in a chat, in the caller's transaction. */
    upsertInTx,

    async get(id: number): Promise<BotChat | undefined> {
      const row = await db.get(q.get, [id]);
      return row && (await withChannels([row], row.bot_id))[0];
    },

    async byChat(botId: number, chatId: string): Promise<BotChat | undefined> {
      const row = await db.get(q.byChat, { bot_id: botId, chat_id: chatId });
      return row && (await withChannels([row], botId))[0];
    },

    /** The chats the bot is in now, most recently changed first. */
    async list(botId: number, page: PageQuery): Promise<{ count: number; rows: BotChat[] }> {
      const rows = await db.all(q.list, { bot_id: botId, ...page });
      return {
        count: (await db.value(q.count, { bot_id: botId })) ?? 0,
        rows: await withChannels(rows, botId),
      };
    },

    /** Whether the chat is one of the alert channels posting through this bot. */
    async isAlertChatInTx(tx: Tx, botId: number, chatId: string): Promise<boolean> {
      return (await tx.get(q.alertChat, { bot_id: botId, chat_id: chatId })) !== undefined;
    },

    /** A Telegram group became a supergroup with a new id (`migrate_to_chat_id`). */
    async moveInTx(tx: Tx, botId: number, from: string, to: string): Promise<void> {
      await tx.run(q.move, { bot_id: botId, from, to, now: now() });
    },
  };
}
export type BotChatStore = ReturnType<typeof createBotChatStore>;

const chats = createRoute({
  tags: ['bots'],
  security,
  method: 'get',
  path: '/bot/{id}/chats',
  operationId: 'listBotChats',
  summary:
    'The groups and channels a bot is in, with their titles (from the messenger’s membership updates): pick one as an alert channel’s chat',
  request: { params: IdParam, query: PageQuery.extend(ShopQuery.shape) },
  responses: { 200: pageJson(BotChat), ...errorResponses },
});

/** `GET /api/bot/bot/:id/chats/`: readable by every member (chats hold no secret). */
export function botChatRoutes({ stores }: Deps) {
  return createRouter().openapi(chats, async (c) => {
    const { shop_id, ...page } = c.req.valid('query');
    const bot = owned(
      c.var.principal,
      await stores.bots.get(c.req.valid('param').id),
      'Bot',
      shop_id,
    );
    const { count, rows } = await stores.botChats.list(bot.id, page);
    return c.json(ok(toPage(c.req.url, page, count, rows)), 200);
  });
}
