import type { ChangeFeed } from '../cluster/changes.js';
import type { DomainEvent } from '../db/events.js';
import { fromJson, type Db } from '../db/open.js';
import { sql, type Tx } from '../db/sql.js';
import { EVENT_TYPES } from './types.js';

/**
 * What a shop's event stream carries: the events alert channels and webhooks subscribe to,
 * plus those the console needs to stay current: `message.created` (any message from a person,
 * for unread counts and an open chat), `bot.chat_updated` (a bot was added to a group or
 * removed from it: the group picker of the getting-started checklist) and `flow.updated` (a
 * flow's graph was saved: the scenario editor tells whoever else has it open).
 */
export const STREAM_EVENT_TYPES = [
  ...EVENT_TYPES,
  'message.created',
  'bot.chat_updated',
  'flow.updated',
] as const;
export type StreamEventType = (typeof STREAM_EVENT_TYPES)[number];

/** An event's references (ids, a previous status): never a copy of personal data. */
export type EventRefs = Record<string, string | number | null>;

export type LoggedEvent = {
  id: number;
  shop_id: number;
  type: StreamEventType;
  data: EventRefs;
  tx: number;
  created_at: string;
};

/** A position in the log: rows are read in (tx, id) order. */
export type Cursor = { tx: number; id: number };
export const START: Cursor = { tx: 0, id: 0 };
export const after = (a: Cursor, b: Cursor) => a.tx > b.tx || (a.tx === b.tx && a.id > b.id);

type Row = Omit<LoggedEvent, 'data'> & { data: string };

/**
 * The shop event log (`shop_events`): one row per event, written in the transaction of what
 * happened (a lead stored, a message received), so it is there exactly when that is, on
 * every relay, after any restart. Streams (relay/events/hub.ts) read it after a cursor.
 *
 * Reading "after the last row seen" must never skip a row that commits later with a smaller
 * id. SQLite has one writer: rows commit in id order. PostgreSQL hands out ids when rows are
 * inserted, and transactions commit in any order, so each row records its transaction's id
 * (`tx`), and readers take only rows of transactions older than every one still running
 * (`pg_snapshot_xmin`): those are final. A row that becomes final later belongs to a
 * transaction at least that new, so it sorts after everything already read in (tx, id)
 * order. The price: an event waits for every older write transaction to end (milliseconds;
 * a long-running write, such as `secrets:rotate-key`, holds events back while it runs).
 * https://www.postgresql.org/docs/current/functions-info.html#FUNCTIONS-PG-SNAPSHOT
 *
 * Streams hear of new rows through the change feed (`{events: true}` after commit): at once on
 * this relay, and on PostgreSQL through the cluster's broadcast (NOTIFY) on the others; the
 * hub's poll is the safety net for a notification lost.
 */
export function createEventLog(db: Db, changes: ChangeFeed) {
  const final =
    db.engine === 'postgres'
      ? `AND tx < pg_snapshot_xmin(pg_current_snapshot())::text::bigint`
      : '';
  const columns = `id, shop_id, type, data, tx, created_at`;
  const q = {
    insert: sql<{ shop_id: number; type: string; data: string }, never>(
      `INSERT INTO shop_events (shop_id, type, data) VALUES (@shop_id, @type, @data)`,
    ),
    after: sql<{ tx: number; id: number; limit: number }, Row>(
      `SELECT ${columns} FROM shop_events WHERE (tx, id) > (@tx, @id) ${final}
       ORDER BY tx, id LIMIT @limit`,
    ),
    afterInShop: sql<{ shop_id: number; tx: number; id: number; limit: number }, Row>(
      `SELECT ${columns} FROM shop_events WHERE shop_id = @shop_id AND (tx, id) > (@tx, @id) ${final}
       ORDER BY tx, id LIMIT @limit`,
    ),
    head: sql<undefined, Cursor>(
      `SELECT tx, id FROM shop_events WHERE 1 = 1 ${final} ORDER BY tx DESC, id DESC LIMIT 1`,
    ),
    byId: sql<[number], Cursor & { shop_id: number }>(
      `SELECT tx, id, shop_id FROM shop_events WHERE id = ?`,
    ),
    prune: sql<[string], never>(`DELETE FROM shop_events WHERE created_at < ?`),
  };
  /** Events a caller's own statement logged in the transaction (`loggedInTx`). */
  const prewritten = new WeakMap<Tx, Set<string>>();
  const keyOf = (type: string, data: EventRefs) => `${type}:${JSON.stringify(data)}`;
  const told = (tx: Tx) => tx.afterCommit(() => changes.emit({ events: true }));
  const toEvent = (r: Row): LoggedEvent => ({ ...r, data: fromJson<EventRefs>(r.data, {}) });

  return {
    /** Adds an event in the caller's transaction; streams on this relay wake when it commits. */
    async appendInTx(tx: Tx, shopId: number, type: StreamEventType, data: EventRefs) {
      if (!prewritten.get(tx)?.delete(keyOf(type, data)))
        await tx.run(q.insert, { shop_id: shopId, type, data: JSON.stringify(data) });
      told(tx);
    },

    /**
     * The caller's own statement wrote this event's row (the PostgreSQL lead intake, in its
     * one statement): `appendInTx` for it, in the same transaction, only tells the streams.
     */
    loggedInTx(tx: Tx, type: StreamEventType, data: EventRefs) {
      const keys = prewritten.get(tx) ?? new Set<string>();
      keys.add(keyOf(type, data));
      prewritten.set(tx, keys);
    },

    /** Final events after `cursor`, every shop's or one shop's, oldest first. */
    async after(cursor: Cursor, limit: number, shopId?: number): Promise<LoggedEvent[]> {
      const rows =
        shopId === undefined
          ? await db.all(q.after, { ...cursor, limit })
          : await db.all(q.afterInShop, { ...cursor, limit, shop_id: shopId });
      return rows.map(toEvent);
    },

    /** The newest final event's position (where a stream without a last event id starts). */
    async head(): Promise<Cursor> {
      return (await db.get(q.head)) ?? START;
    },

    /** The position of a shop's event `id` (a stream's Last-Event-ID); undefined once pruned. */
    async cursorOf(id: number, shopId: number): Promise<Cursor | undefined> {
      const row = await db.get(q.byId, [id]);
      return row && row.shop_id === shopId ? { tx: row.tx, id: row.id } : undefined;
    },

    /** Forgets events older than `before` (ISO time); a stream asking for them starts over. */
    async prune(before: string): Promise<number> {
      return (await db.run(q.prune, [before])).changes;
    },

    /** Called after a transaction that appended events committed (here, or on another relay). */
    onAppended(fn: () => void): () => void {
      return changes.on((change) => {
        if ('events' in change) fn();
      });
    },
  };
}
export type EventLog = ReturnType<typeof createEventLog>;

/** What the log keeps of a domain event: the ids of what it is about. */
function refsOf(e: DomainEvent): EventRefs {
  switch (e.name) {
    case 'lead.created':
      return { lead_id: e.lead.id };
    case 'order.created':
      return { order_id: e.order.id };
    case 'order.status_changed':
      return { order_id: e.order.id, previous_status: e.previous_status };
    case 'bot_user.subscribed':
      return { bot_user_id: e.bot_user.id };
    case 'message.received':
      return { message_id: e.message.id, bot_user_id: e.bot_user.id };
    case 'message.created':
      return { message_id: e.message_id, bot_user_id: e.bot_user_id };
    case 'bot.chat_updated':
      return { bot_chat_id: e.chat.id, bot_id: e.chat.bot_id };
    case 'flow.updated':
      return { flow_id: e.flow_id };
  }
}

/** The domain-event handler createStores registers: every event also goes to the shop's log. */
export const logOnEvents = (log: EventLog) => async (tx: Tx, e: DomainEvent) =>
  log.appendInTx(tx, e.shop_id, e.name, refsOf(e));
