import { filterSql, toFilter, type Filter } from '../bot-users/filter.js';
import type { BotUserFilter } from '../bot-users/schemas.js';
import type { BotUserStore } from '../bot-users/store.js';
import { now, type Db } from '../db/open.js';
import { sql } from '../db/sql.js';
import type { PageQuery } from '../http/pagination.js';
import type { MessageStore } from '../messages/store.js';
import type { Conversation } from './schemas.js';

/**
 * What counts as unread: what the person wrote (texts, and messages the relay cannot read
 * such as photos), not their /start or button presses, which the bot answers itself.
 */
const UNREAD = `m.direction = 'in' AND m.content_type IN ('text', 'other')`;

type Page = { id: number; last_id: number; unread: number };

/**
 * Conversations: a shop's people as a messenger's chat list shows them — the newest message
 * first, each with its last message and how many of the person's messages nobody opened yet
 * (`bot_users.read_message_id`, one read marker per conversation shared by the shop's team,
 * as a shared inbox has it) — and the conversation's state: taken over by a manager or not.
 * Web visitors (`web` bots) have no chat and are not listed.
 */
export function createConversationStore(
  db: Db,
  stores: { botUsers: BotUserStore; messages: MessageStore },
) {
  const filter = filterSql(db.engine);
  // The last message per person is read through messages(bot_user_id, id): one index probe
  // per person of the shop, no counter to keep up to date on every message.
  const ranked = `SELECT u.id, u.read_message_id,
      (SELECT max(m.id) FROM messages m WHERE m.bot_user_id = u.id) AS last_id
    FROM bot_users u JOIN bots b ON b.id = u.bot_id
    WHERE ${filter} AND b.bot_type <> 'web'`;
  const unreadOf = (c: string) =>
    `(SELECT count(*) FROM messages m WHERE m.bot_user_id = ${c}.id AND ${UNREAD}
       AND m.id > ${c}.read_message_id)`;
  type Params = Filter & { unread: number };
  const where = `c.last_id IS NOT NULL AND (@unread = 0 OR ${unreadOf('c')} > 0)`;
  const q = {
    page: sql<Params & PageQuery, Page>(
      `SELECT c.id, c.last_id, ${unreadOf('c')} AS unread FROM (${ranked}) c
       WHERE ${where} ORDER BY c.last_id DESC, c.id DESC LIMIT @limit OFFSET @offset`,
    ),
    count: sql<Params, { n: number }>(`SELECT count(*) AS n FROM (${ranked}) c WHERE ${where}`),
    one: sql<[number], Page>(
      `SELECT u.id, coalesce((SELECT max(m.id) FROM messages m WHERE m.bot_user_id = u.id), 0)
         AS last_id, ${unreadOf('u')} AS unread
       FROM bot_users u WHERE u.id = ?`,
    ),
    read: sql<{ id: number; upto: number }, never>(
      `UPDATE bot_users SET read_message_id = @upto WHERE id = @id AND read_message_id < @upto`,
    ),
    takeOver: sql<{ id: number; by: number | null; now: string }, never>(
      `UPDATE bot_users SET taken_over_at = @now, taken_over_by = @by, updated_at = @now
       WHERE id = @id AND taken_over_at IS NULL`,
    ),
    handBack: sql<{ id: number; now: string }, never>(
      `UPDATE bot_users SET taken_over_at = NULL, taken_over_by = NULL, updated_at = @now
       WHERE id = @id AND taken_over_at IS NOT NULL`,
    ),
  };

  const assemble = async (rows: Page[]): Promise<Conversation[]> => {
    const [people, messages] = await Promise.all([
      stores.botUsers.byIds(rows.map((r) => r.id)),
      stores.messages.byIds(rows.map((r) => r.last_id).filter((id) => id > 0)),
    ]);
    const last = new Map(messages.map((m) => [m.id, m]));
    return people.map((bot_user, i) => ({
      bot_user,
      last_message: last.get(rows[i].last_id) ?? null,
      unread: rows[i].unread,
    }));
  };

  return {
    /** The shop's conversations, newest message first; `unread`: only those with unread messages. */
    async list(
      shopId: number,
      f: BotUserFilter & { unread?: boolean },
      page: PageQuery,
    ): Promise<{ count: number; rows: Conversation[] }> {
      const params = { ...toFilter(shopId, f), unread: f.unread ? 1 : 0 };
      const rows = await db.all(q.page, { ...params, ...page });
      return {
        count: (await db.value(q.count, params)) ?? 0,
        rows: await assemble(rows),
      };
    },

    async get(botUserId: number): Promise<Conversation | undefined> {
      const row = await db.get(q.one, [botUserId]);
      return row && (await assemble([row]))[0];
    },

    /**
     * Marks the conversation read up to `messageId` (default: its newest message). The
     * marker only moves forward: a late request from a stale tab unmarks nothing.
     */
    async markRead(botUserId: number, messageId?: number): Promise<void> {
      const upto = messageId ?? (await db.get(q.one, [botUserId]))?.last_id ?? 0;
      await db.run(q.read, { id: botUserId, upto });
    },

    /** A manager answers the person from now on: their scenario pauses. Idempotent. */
    async takeOver(botUserId: number, byUserId: number | null): Promise<void> {
      await db.run(q.takeOver, { id: botUserId, by: byUserId, now: now() });
    },

    /** The bot answers the person again: their scenario goes on where it waits. Idempotent. */
    async handBack(botUserId: number): Promise<void> {
      await db.run(q.handBack, { id: botUserId, now: now() });
    },
  };
}
export type ConversationStore = ReturnType<typeof createConversationStore>;
