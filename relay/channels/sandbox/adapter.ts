import type { Deps } from '../../deps.js';
import type { ChannelAdapter } from '../../delivery/types.js';
import { createSandboxStore } from './store.js';

/**
 * The sandbox messenger's adapter (`bot_type: sandbox`, demo mode only): "sending" stores the
 * message in the history, where the demo inbox shows it; delivery is instant and the message
 * id is the remote id. Unpaced: there is no messenger to protect. Idempotent per delivery, so
 * a retry after a crash shows the message once. Only a demo shop's sandbox bots send: the
 * inbox shows no other.
 */
export function createSandboxAdapter({ db, stores }: Pick<Deps, 'db' | 'stores'>): ChannelAdapter {
  const sandbox = createSandboxStore(db);
  return {
    kind: 'sandbox',
    pace: () => [],
    async send(d) {
      if (d.bot_id == null || !d.chat_id)
        return { ok: false, retry: false, error: 'No bot or chat to send to.' };
      if (!(await sandbox.get(d.bot_id)))
        return { ok: false, retry: false, error: 'Sandbox bots send for the demo shop only.' };
      if (d.bot_user_id != null) {
        const to = await stores.subscribers.recipient(d.bot_user_id);
        if (to && !to.subscribed)
          return { ok: false, retry: false, error: 'The bot user unsubscribed from the bot.' };
      }
      const id = await stores.messages.recordSandboxSend(d);
      return { ok: true, remoteId: String(id) };
    },
  };
}
