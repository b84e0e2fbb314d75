import type { BotUser } from '../bot-users/schemas.js';
import type { BotChat } from '../bots/chats.js';
import type { Message } from '../messages/schemas.js';
import type { Lead } from '../leads/schemas.js';
import type { Order } from '../orders/schemas.js';
import type { Tx } from './sql.js';

/**
 * Domain events that cause notifications (manager alerts, webhooks, buyer messages).
 *
 * Stores emit them INSIDE the write transaction that caused them (`emit(tx, event)`), and
 * handlers write through that same `tx`, so whatever a handler writes (outbox rows in
 * `deliveries`) commits or rolls back together with the lead or order: the transactional
 * outbox (https://microservices.io/patterns/data/transactional-outbox.html). A handler
 * that throws aborts the write, which is the point: never a lead without its alert.
 *
 * Until the delivery worker registers a handler (one line in createStores, relay/deps.ts:
 * `stores.events.on(writeOutbox)`), emitting is a no-op. Handlers must await nothing but
 * SQL on `tx`: they run while the transaction holds SQLite's writer (or a PostgreSQL
 * connection). Wake-ups go through `tx.afterCommit`.
 *
 * To add an event, add a member to DomainEvent; `emit` and handlers are typed by it.
 */
export type DomainEvent =
  /**
   * A lead was stored, or a manager released it from spam (once per lead: relay/leads/store.ts).
   * Not emitted for spam (the honeypot must not alert anyone).
   */
  | { name: 'lead.created'; shop_id: number; lead: Lead }
  /** An order was created (POST without a known external_id). */
  | { name: 'order.created'; shop_id: number; order: Order }
  /** An existing order changed status; `order` is the order after the change. */
  | { name: 'order.status_changed'; shop_id: number; order: Order; previous_status: string }
  /**
   * A person subscribed to a bot (/start): a new bot user, one who had unsubscribed, or one
   * whose opt-in token linked them to a visitor, lead or order. `bot_user` is read after
   * the links were written.
   */
  | { name: 'bot_user.subscribed'; shop_id: number; bot_user: BotUser }
  /**
   * A person wrote to a bot and no scenario took the message (they are in no flow, the flow
   * does not wait for text, or a manager took the conversation over): someone must read it.
   */
  | { name: 'message.received'; shop_id: number; message: Message; bot_user: BotUser }
  /** Any message from a person (the console's unread counts and open chats); not for alerts. */
  | { name: 'message.created'; shop_id: number; message_id: number; bot_user_id: number }
  /** A bot was added to a group or channel, or removed, or the chat changed its title. */
  | { name: 'bot.chat_updated'; shop_id: number; chat: BotChat }
  /**
   * A flow, one of its steps or one of their buttons was created, changed or deleted (the
   * console's scenario editor: another person saved the flow it shows); not for alerts.
   */
  | { name: 'flow.updated'; shop_id: number; flow_id: number };

export type EventName = DomainEvent['name'];
export type EventHandler = (tx: Tx, event: DomainEvent) => Promise<void>;

/** One event bus per set of stores, created by createStores and shared by its stores. */
export function createEvents() {
  const handlers: EventHandler[] = [];
  return {
    /** Registers a handler; returns a function that removes it. */
    on(handler: EventHandler): () => void {
      handlers.push(handler);
      return () => {
        const i = handlers.indexOf(handler);
        if (i >= 0) handlers.splice(i, 1);
      };
    },

    /**
     * Runs every handler now, in order, inside `tx`. Throws when given no transaction (an
     * outbox bug: the rows would commit apart from the write).
     */
    async emit(tx: Tx, event: DomainEvent): Promise<void> {
      if (!tx.inTransaction) throw new Error(`${event.name} emitted outside a transaction`);
      for (const handler of handlers) await handler(tx, event);
    },
  };
}
export type Events = ReturnType<typeof createEvents>;
