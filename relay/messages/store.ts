import { dialect } from '../db/dialect.js';
import { fromJson, now, type Db } from '../db/open.js';
import { sql, type Conn, type Tx } from '../db/sql.js';
import type { Delivery } from '../delivery/types.js';
import type { PageQuery } from '../http/pagination.js';
import {
  itemOfCallback,
  stepOfCallback,
  type Message,
  type MessageFilter,
  type OutgoingButton,
  type OutgoingPayload,
} from './schemas.js';

/**
 * What the history stores: an outgoing payload, or an inbound text / button press (`data`;
 * `notice`: what the person was told instead, for a press on an outdated or deleted button).
 */
export type StoredPayload = OutgoingPayload & { data?: string; notice?: string };

export type NewMessage = {
  shop_id: number;
  bot_id: number | null;
  bot_user_id: number | null;
  chat_id: string | null;
  direction: 'in' | 'out';
  content_type: string;
  payload: StoredPayload;
  delivery_id?: number | null;
  remote_id?: string | null;
};

type Row = {
  id: number;
  shop_id: number;
  bot_id: number | null;
  bot_user_id: number | null;
  chat_id: string | null;
  direction: 'in' | 'out';
  content_type: string;
  payload: string;
  delivery_id: number | null;
  remote_id: string | null;
  created_at: string;
  delivery_status: Delivery['status'] | null;
  delivery_remote_id: string | null;
  last_error: string | null;
};

const button = (b: OutgoingButton) => {
  if (b.url) return { text: b.text, url: b.url };
  const step = stepOfCallback(b.callback_data);
  if (step) return { text: b.text, step_id: step };
  const item = itemOfCallback(b.callback_data);
  return item ? { text: b.text, menu_item_id: item.itemId } : { text: b.text };
};

/** Field by field; the chat id is internal (the inbox reads it through `toInboxMessage`). */
export const toMessage = (r: Row): Message => {
  const p = fromJson<StoredPayload>(r.payload, { text: '' });
  return {
    id: r.id,
    shop_id: r.shop_id,
    bot_id: r.bot_id,
    bot_user_id: r.bot_user_id,
    direction: r.direction,
    content_type: r.content_type,
    payload: {
      text: p.text ?? '',
      ...(p.parse_mode ? { parse_mode: p.parse_mode } : {}),
      ...(p.image_url ? { image_url: p.image_url } : {}),
      ...(p.file_url ? { file_url: p.file_url } : {}),
      ...(p.data !== undefined ? { data: p.data } : {}),
      ...(p.notice ? { notice: p.notice } : {}),
    },
    inline_buttons: (p.buttons ?? []).flat().map(button),
    status: r.direction === 'in' ? 'received' : (r.delivery_status ?? 'sent'),
    delivery_id: r.delivery_id,
    remote_id: r.remote_id ?? r.delivery_remote_id,
    error: r.delivery_status === 'sent' ? null : r.last_error,
    created_at: r.created_at,
  };
};

/** A message as the demo inbox shows it: with its chat and its buttons in rows. */
export const toInboxMessage = (r: Row) => ({
  ...toMessage(r),
  chat_id: r.chat_id,
  buttons: fromJson<StoredPayload>(r.payload, { text: '' }).buttons ?? [],
});
export type InboxMessage = ReturnType<typeof toInboxMessage>;

const SELECT = `SELECT m.*, d.status AS delivery_status, d.remote_id AS delivery_remote_id, d.last_error
  FROM messages m LEFT JOIN deliveries d ON d.id = m.delivery_id`;
// Each parameter is compared before it is tested for NULL: PostgreSQL takes a parameter's
// type from where it is first used, and `@p IS NULL` says nothing about it.
const FILTER = `m.shop_id = @shop_id
  AND (m.bot_user_id = @bot_user_id OR @bot_user_id IS NULL)
  AND (m.bot_id = @bot_id OR @bot_id IS NULL)
  AND (m.direction = @direction OR @direction IS NULL)`;
type FilterParams = {
  shop_id: number;
  bot_user_id: number | null;
  bot_id: number | null;
  direction: string | null;
};

type Insert = Omit<NewMessage, 'payload' | 'delivery_id' | 'remote_id'> & {
  payload: string;
  delivery_id: number | null;
  remote_id: string | null;
  now: string;
};
/** A chat of the demo inbox's list: who it is with and its newest message. */
export type Chat = {
  chat_id: string;
  last_id: number;
  bot_user_id: number | null;
  /** The person's name (a private chat) or the group's title. */
  name: string | null;
  /** Groups and channels have negative ids (Telegram's convention, kept by the sandbox). */
  kind: 'private' | 'group';
  last: {
    direction: 'in' | 'out';
    content_type: string;
    text: string;
    parse_mode?: 'HTML';
    created_at: string;
  } | null;
};
type ChatRow = {
  chat_id: string;
  last_id: number;
  bot_user_id: number | null;
  name: string | null;
  title: string | null;
  last_direction: 'in' | 'out';
  last_content_type: string;
  last_payload: string;
  last_at: string;
};

const q = {
  // An inbound message a bot has already seen (the partial unique index on bot_id and
  // remote_id) inserts nothing and answers no row.
  insert: sql<Insert, { id: number }>(
    `INSERT INTO messages (shop_id, bot_id, bot_user_id, chat_id, direction, content_type,
       payload, delivery_id, remote_id, created_at)
     VALUES (@shop_id, @bot_id, @bot_user_id, @chat_id, @direction, @content_type,
       @payload, @delivery_id, @remote_id, @now)
     ON CONFLICT DO NOTHING RETURNING id`,
  ),
  seen: sql<{ bot_id: number; remote_id: string }, { id: number }>(
    `SELECT id FROM messages WHERE bot_id = @bot_id AND remote_id = @remote_id AND direction = 'in'`,
  ),
  get: sql<[number], Row>(`${SELECT} WHERE m.id = ?`),
  byDelivery: sql<[number], { id: number }>(`SELECT id FROM messages WHERE delivery_id = ?`),
  setRemote: sql<{ id: number; remote_id: string }, never>(
    `UPDATE messages SET remote_id = @remote_id WHERE id = @id`,
  ),
  list: sql<FilterParams & PageQuery, Row>(
    `${SELECT} WHERE ${FILTER} ORDER BY m.id DESC LIMIT @limit OFFSET @offset`,
  ),
  count: sql<FilterParams, { n: number }>(`SELECT count(*) AS n FROM messages m WHERE ${FILTER}`),
  chats: sql<{ bot_id: number }, ChatRow>(
    `SELECT c.chat_id, c.last_id, c.bot_user_id, u.name, bc.title,
       m.direction AS last_direction, m.content_type AS last_content_type,
       m.payload AS last_payload, m.created_at AS last_at
     FROM (SELECT chat_id, max(id) AS last_id, max(bot_user_id) AS bot_user_id
           FROM messages WHERE bot_id = @bot_id AND chat_id IS NOT NULL GROUP BY chat_id) c
     JOIN messages m ON m.id = c.last_id
     LEFT JOIN bot_users u ON u.id = c.bot_user_id
     LEFT JOIN bot_chats bc ON bc.bot_id = @bot_id AND bc.chat_id = c.chat_id
     ORDER BY c.last_id DESC LIMIT 200`,
  ),
  byIds: sql<{ ids: string }, Row>({
    sqlite: `${SELECT} WHERE m.id IN ${dialect('sqlite').ids('@ids')}`,
    postgres: `${SELECT} WHERE m.id IN ${dialect('postgres').ids('@ids')}`,
  }),
  setNotice: sql<{ id: number; notice: string }, never>({
    sqlite: `UPDATE messages SET payload = json_set(payload, '$.notice', @notice) WHERE id = @id`,
    postgres: `UPDATE messages SET payload = jsonb_set(payload::jsonb, '{notice}', to_jsonb(@notice::text))::text
               WHERE id = @id`,
  }),
  chat: sql<{ bot_id: number; chat_id: string; after: number }, Row>(
    `${SELECT} WHERE m.bot_id = @bot_id AND m.chat_id = @chat_id AND m.id > @after
     ORDER BY m.id LIMIT 500`,
  ),
};

/**
 * Adds a message in the caller's transaction; its id, or null for an inbound message whose
 * `remote_id` this bot has seen before (an update delivered twice).
 */
const insertInTx = async (tx: Tx, m: NewMessage): Promise<number | null> =>
  (
    await tx.get(q.insert, {
      shop_id: m.shop_id,
      bot_id: m.bot_id,
      bot_user_id: m.bot_user_id,
      chat_id: m.chat_id,
      direction: m.direction,
      content_type: m.content_type,
      payload: JSON.stringify(m.payload),
      delivery_id: m.delivery_id ?? null,
      remote_id: m.remote_id ?? null,
      now: now(),
    })
  )?.id ?? null;

/** The message history of every bot, both directions. */
export function createMessageStore(db: Db) {
  return {
    insertInTx,

    /**
     * True when this bot already handled the inbound message with this messenger id. A fast
     * path only: with several relays two may both see "not yet", and the insert decides
     * (`insertInTx` answers null for the second).
     */
    async seenInTx(tx: Tx, botId: number, remoteId: string): Promise<boolean> {
      return (await tx.get(q.seen, { bot_id: botId, remote_id: remoteId })) !== undefined;
    },

    /** A message; `c`: read it inside a transaction (as that transaction sees it). */
    async get(id: number, c: Conn = db): Promise<Message | undefined> {
      const row = await c.get(q.get, [id]);
      return row && toMessage(row);
    },

    async list(shopId: number, filter: MessageFilter, page: PageQuery) {
      const params: FilterParams = {
        shop_id: shopId,
        bot_user_id: filter.bot_user_id ?? null,
        bot_id: filter.bot_id ?? null,
        direction: filter.direction ?? null,
      };
      return {
        count: (await db.value(q.count, params))!,
        rows: (await db.all(q.list, { ...params, ...page })).map(toMessage),
      };
    },

    /**
     * The sandbox messenger's "send": the delivery becomes (or, for a message queued through
     * the API, already is) a history row; its id is the remote id. Idempotent per delivery
     * (messages.delivery_id is unique: a second writer's insert does nothing and it reads
     * the first one's row).
     */
    async recordSandboxSend(d: Delivery): Promise<number> {
      return db.tx(async (tx) => {
        const existing = async () => (await tx.get(q.byDelivery, [d.id]))?.id;
        const id =
          (await existing()) ??
          (await insertInTx(tx, {
            shop_id: d.shop_id,
            bot_id: d.bot_id,
            bot_user_id: d.bot_user_id,
            chat_id: d.chat_id,
            direction: 'out',
            content_type: contentTypeOf(d.payload as OutgoingPayload),
            payload: d.payload as OutgoingPayload,
            delivery_id: d.id,
          })) ??
          (await existing())!;
        await tx.run(q.setRemote, { id, remote_id: String(id) });
        return id;
      });
    },

    /** Messages by id (in no particular order). */
    async byIds(ids: number[]): Promise<Message[]> {
      if (!ids.length) return [];
      return (await db.all(q.byIds, { ids: JSON.stringify(ids) })).map(toMessage);
    },

    /** Keeps what a press was answered with (an outdated button) on its history row. */
    async setNoticeInTx(tx: Tx, id: number, notice: string): Promise<void> {
      await tx.run(q.setNotice, { id, notice });
    },

    /** The demo inbox: a bot's conversations, newest first. */
    async conversations(botId: number): Promise<Chat[]> {
      return (await db.all(q.chats, { bot_id: botId })).map((r) => {
        const group = r.chat_id.startsWith('-');
        const p = fromJson<StoredPayload>(r.last_payload, { text: '' });
        return {
          chat_id: r.chat_id,
          last_id: r.last_id,
          bot_user_id: group ? null : r.bot_user_id,
          name: (group ? r.title : r.name) || null,
          kind: group ? 'group' : 'private',
          last: {
            direction: r.last_direction,
            content_type: r.last_content_type,
            text: p.text ?? '',
            ...(p.parse_mode ? { parse_mode: p.parse_mode } : {}),
            created_at: r.last_at,
          },
        };
      });
    },

    /** The demo inbox: one conversation's messages after `after`, oldest first. */
    async chat(botId: number, chatId: string, after = 0): Promise<InboxMessage[]> {
      return (await db.all(q.chat, { bot_id: botId, chat_id: chatId, after })).map(toInboxMessage);
    },
  };
}
export type MessageStore = ReturnType<typeof createMessageStore>;

/** `image`, `file` or `text`, by what an outgoing payload carries. */
export const contentTypeOf = (p: OutgoingPayload): string =>
  p.image_url ? 'image' : p.file_url ? 'file' : 'text';
