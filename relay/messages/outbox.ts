import type { Recipient } from '../bot-users/subscribers.js';
import type { Db } from '../db/open.js';
import type { Tx } from '../db/sql.js';
import type { DeliveryStore } from '../delivery/store.js';
import type { OutgoingPayload } from './schemas.js';
import { contentTypeOf, type MessageStore } from './store.js';

/**
 * Messengers the relay has a sending adapter for (relay/channels: each messenger's `adapter`);
 * a literal list because SQL statements are built from it when modules load.
 */
export const SENDABLE_BOTS: ReadonlySet<string> = new Set([
  'telegram',
  'whatsapp',
  'viber',
  'vk',
  'sandbox',
]);

export type MessageOutboxStores = { deliveries: DeliveryStore; messages: MessageStore };

/**
 * Queues one message to a bot user: its delivery (kind = the bot's messenger) and its history
 * row, in the caller's write transaction, so the history never shows a message that was not
 * queued nor the reverse.
 */
export async function queueMessageInTx(
  tx: Tx,
  { deliveries, messages }: MessageOutboxStores,
  to: Recipient & { chat_id: string },
  event: string,
  payload: OutgoingPayload,
): Promise<{ message_id: number; delivery_id: number | null }> {
  // A test person (the scenario editor's Try panel) has no messenger: the history is all.
  const delivery_id = to.test
    ? null
    : await deliveries.enqueueInTx(tx, {
        shop_id: to.shop_id,
        event,
        kind: to.bot_type,
        bot_id: to.bot_id,
        bot_user_id: to.id,
        chat_id: to.chat_id,
        payload,
      });
  const message_id = (await messages.insertInTx(tx, {
    shop_id: to.shop_id,
    bot_id: to.bot_id,
    bot_user_id: to.id,
    chat_id: to.chat_id,
    direction: 'out',
    content_type: contentTypeOf(payload),
    payload,
    delivery_id,
  }))!;
  return { message_id, delivery_id };
}

/**
 * `queueMessageInTx` in a transaction of its own, for the send_message API: the message as
 * queued, read in that transaction (read after the commit, a relay's worker may already be
 * sending it).
 */
export function createMessageSender(db: Db, stores: MessageOutboxStores) {
  return {
    async send(to: Recipient & { chat_id: string }, event: string, payload: OutgoingPayload) {
      return db.tx(async (tx) => {
        const { message_id } = await queueMessageInTx(tx, stores, to, event, payload);
        return (await stores.messages.get(message_id, tx))!;
      });
    },
  };
}
