import type { Deps } from '../deps.js';
import type { Delivery, SendResult } from '../delivery/types.js';

/**
 * One send at a time per key (a person's chat), in the order they were handed over. The
 * worker's pacer lets several deliveries of one chat start together when the messenger's
 * rate allows it, and messengers keep no order between requests in flight together: a
 * scenario's text and the buttons after it would cross. Keys are forgotten once idle.
 */
export function createInTurn() {
  const queues = new Map<string, Promise<unknown>>();
  return <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const run = (queues.get(key) ?? Promise.resolve()).then(fn);
    const tail = run.then(
      () => {},
      () => {},
    );
    queues.set(key, tail);
    void tail.then(() => {
      if (queues.get(key) === tail) queues.delete(key);
    });
    return run;
  };
}
export type InTurn = ReturnType<typeof createInTurn>;

/** A delivery with the bot and the chat it goes to. */
export type Addressed = Delivery & { bot_id: number; chat_id: string };

/**
 * An adapter's `send` for deliveries that need a bot and a chat (a permanent failure without
 * them), one at a time per chat in the order the worker hands them over (`createInTurn`).
 */
export function sendInTurn(
  send: (d: Addressed, signal: AbortSignal) => Promise<SendResult>,
): (d: Delivery, signal: AbortSignal) => Promise<SendResult> {
  const inTurn = createInTurn();
  return (d, signal) => {
    if (d.bot_id == null || !d.chat_id)
      return Promise.resolve({ ok: false, retry: false, error: 'No bot or chat to send to.' });
    const to = { ...d, bot_id: d.bot_id, chat_id: d.chat_id };
    return inTurn(`${d.bot_id}:${d.chat_id}`, () => send(to, signal));
  };
}

/**
 * Whether the delivery's bot user unsubscribed meanwhile (blocked the bot, a messenger said
 * they are gone): then no attempt is made. Alerts to a chat have no bot user.
 */
export async function unsubscribed(
  { stores }: Pick<Deps, 'stores'>,
  d: Pick<Delivery, 'bot_user_id'>,
): Promise<boolean> {
  if (d.bot_user_id == null) return false;
  const to = await stores.subscribers.recipient(d.bot_user_id);
  return !!to && !to.subscribed;
}
