import type { Deps } from '../deps.js';
import type { WorkerHooks } from '../delivery/worker.js';

/**
 * What the worker's messenger outcomes change outside the outbox:
 * - the recipient is gone (Telegram 403 blocked / deactivated): the bot user is marked
 *   `subscribed_to_bot: false`, and the adapters send it nothing more;
 * - the chat moved (`migrate_to_chat_id`): the bot user's chat, or the alert channel's, takes
 *   the new id (the worker already resends the delivery there).
 */
export function deliveryHooks({ stores }: Pick<Deps, 'stores'>): WorkerHooks {
  return {
    async onRecipientGone(d) {
      if (d.bot_user_id != null) await stores.subscribers.unsubscribe(d.bot_user_id);
    },
    async onChatMigrated(d, chatId) {
      if (d.bot_user_id != null) await stores.subscribers.moveChat(d.bot_user_id, chatId);
      if (d.channel_id != null) {
        const ch = await stores.channels.get(d.channel_id);
        if (ch && ch.chat_id === d.chat_id) {
          await stores.channels.update(ch.id, { ...ch, chat_id: chatId });
        }
      }
    },
  };
}
