import type { BotType } from '../bots/schemas.js';
import { now, type Db } from '../db/open.js';
import type { OptinToken } from '../public/optin-store.js';

/** A person as a messenger describes them (Telegram's `from` and `chat`, the sandbox inbox). */
export type MessengerPerson = {
  /** The messenger's user id, as text (Telegram ids are numbers). */
  messenger_user_id: string;
  /** Where messages to them go; for Telegram private chats the same number as the user id. */
  chat_id: string;
  name: string;
  lang_code: string;
  /** `https://t.me/<username>` when the person has a username, else ''. */
  messenger_user_url: string;
};

/** What an opt-in linked a bot user to: the lead it named, the order's number. */
export type OptinLinks = { lead: boolean; orderNumber: string | null };

/** Who a message can be sent to: the bot user's bot and chat, and whether they still listen. */
export type Recipient = {
  id: number;
  shop_id: number;
  bot_id: number;
  bot_type: BotType;
  chat_id: string | null;
  subscribed: boolean;
};

type RecipientRow = Omit<Recipient, 'subscribed'> & { subscribed: number };
const toRecipient = (r: RecipientRow): Recipient => ({
  id: r.id,
  shop_id: r.shop_id,
  bot_id: r.bot_id,
  bot_type: r.bot_type,
  chat_id: r.chat_id,
  subscribed: r.subscribed === 1,
});

/**
 * Bot users as the messengers see them: created or updated from inbound updates, linked to
 * the opt-in they arrived with, unsubscribed when they block the bot. The in-transaction
 * methods are synchronous: the /start handler runs them in one write transaction.
 */
export function createSubscriberStore(db: Db) {
  const q = {
    find: db.prepare<
      { bot_id: number; messenger_user_id: string },
      { id: number; subscribed: number }
    >(
      `SELECT id, subscribed_to_bot AS subscribed FROM bot_users
       WHERE bot_id = @bot_id AND messenger_user_id = @messenger_user_id`,
    ),
    // A later update fills in what it knows and keeps the rest; `subscribe` 1 re-subscribes.
    upsert: db
      .prepare<Record<string, unknown>, number>(
        `INSERT INTO bot_users (shop_id, bot_id, messenger_user_id, chat_id, name, lang_code,
           messenger_user_url, subscribed_to_bot, start_parameter, created_at, updated_at)
         VALUES (@shop_id, @bot_id, @messenger_user_id, @chat_id, @name, @lang_code,
           @messenger_user_url, 1, @start_parameter, @now, @now)
         ON CONFLICT (bot_id, messenger_user_id) DO UPDATE SET
           chat_id = excluded.chat_id,
           name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE bot_users.name END,
           lang_code = CASE WHEN excluded.lang_code <> '' THEN excluded.lang_code ELSE bot_users.lang_code END,
           messenger_user_url = CASE WHEN excluded.messenger_user_url <> ''
             THEN excluded.messenger_user_url ELSE bot_users.messenger_user_url END,
           subscribed_to_bot = CASE WHEN @subscribe = 1 THEN 1 ELSE bot_users.subscribed_to_bot END,
           start_parameter = CASE WHEN excluded.start_parameter <> ''
             THEN excluded.start_parameter ELSE bot_users.start_parameter END,
           updated_at = excluded.updated_at
         RETURNING id`,
      )
      .pluck(),
    setVisitor: db.prepare<{ id: number; visitor_id: string; now: string }>(
      `UPDATE bot_users SET visitor_id = @visitor_id, updated_at = @now WHERE id = @id`,
    ),
    // The lead and the order must be of the bot user's shop (the token was checked already;
    // this keeps a link from ever crossing shops). A lead is the opt-in's visitor's own, and
    // keeps the first messenger subscriber it gets: only its web visitor (the widget's bot
    // user) or nobody gives way, never another person's chat.
    linkLead: db.prepare<{ id: number; lead_id: number; visitor_id: string | null; now: string }>(
      `UPDATE leads SET bot_user_id = @id, updated_at = @now
       WHERE id = @lead_id AND visitor_id = @visitor_id
         AND shop_id = (SELECT shop_id FROM bot_users WHERE id = @id)
         AND (bot_user_id IS NULL
           OR (SELECT b.bot_type FROM bot_users u JOIN bots b ON b.id = u.bot_id
               WHERE u.id = leads.bot_user_id) = 'web')`,
    ),
    leadLinked: db
      .prepare<{ id: number; lead_id: number }, number>(
        `SELECT 1 FROM leads WHERE id = @lead_id AND bot_user_id = @id`,
      )
      .pluck(),
    // An order may have many subscribers (a couple, a gift): each link adds one.
    linkOrder: db.prepare<{ id: number; order_id: number }>(
      `INSERT OR IGNORE INTO bot_user_orders (bot_user_id, order_id)
       SELECT @id, o.id FROM orders o
       WHERE o.id = @order_id AND o.shop_id = (SELECT shop_id FROM bot_users WHERE id = @id)`,
    ),
    linkedOrderNumber: db
      .prepare<{ id: number; order_id: number }, string>(
        `SELECT o.number FROM bot_user_orders bo JOIN orders o ON o.id = bo.order_id
         WHERE bo.bot_user_id = @id AND bo.order_id = @order_id`,
      )
      .pluck(),
    setSubscribed: db.prepare<{ id: number; subscribed: number; now: string }>(
      `UPDATE bot_users SET subscribed_to_bot = @subscribed, updated_at = @now WHERE id = @id`,
    ),
    setChat: db.prepare<{ id: number; chat_id: string; now: string }>(
      `UPDATE bot_users SET chat_id = @chat_id, updated_at = @now WHERE id = @id`,
    ),
    recipient: db.prepare<[number], RecipientRow>(
      `SELECT u.id, u.shop_id, u.bot_id, b.bot_type, u.chat_id, u.subscribed_to_bot AS subscribed
       FROM bot_users u JOIN bots b ON b.id = u.bot_id WHERE u.id = ?`,
    ),
    // Only messengers the relay can send through, and only bots that are not stopped.
    ofOrder: db.prepare<[number], RecipientRow>(
      `SELECT u.id, u.shop_id, u.bot_id, b.bot_type, u.chat_id, u.subscribed_to_bot AS subscribed
       FROM bot_user_orders bo
       JOIN bot_users u ON u.id = bo.bot_user_id
       JOIN bots b ON b.id = u.bot_id
       WHERE bo.order_id = ? AND u.subscribed_to_bot = 1 AND u.chat_id IS NOT NULL
         AND b.status = 'active' AND b.bot_type IN ('telegram', 'sandbox')
       ORDER BY u.id`,
    ),
  };

  return {
    findInTx(botId: number, messengerUserId: string) {
      const row = q.find.get({ bot_id: botId, messenger_user_id: messengerUserId });
      return row && { id: row.id, subscribed: row.subscribed === 1 };
    },

    /**
     * Creates or updates the person's bot user. `subscribe` marks them subscribed (a /start);
     * otherwise an existing bot user keeps its subscription and a new one starts subscribed.
     */
    upsertInTx(
      bot: { id: number; shop_id: number },
      person: MessengerPerson,
      { subscribe, startParameter = '' }: { subscribe: boolean; startParameter?: string },
    ): number {
      return q.upsert.get({
        shop_id: bot.shop_id,
        bot_id: bot.id,
        ...person,
        subscribe: subscribe ? 1 : 0,
        start_parameter: startParameter,
        now: now(),
      })!;
    },

    /**
     * Links the bot user to what the opt-in named: the web visitor, the lead (unless another
     * person's chat has it already), the order (as one more subscriber). Idempotent. Answers
     * what the bot user is linked to now, for the confirmation they are sent.
     */
    linkOptinInTx(id: number, optin: OptinToken): OptinLinks {
      const at = now();
      if (optin.visitor_id) q.setVisitor.run({ id, visitor_id: optin.visitor_id, now: at });
      let lead = false;
      if (optin.lead_id !== null) {
        const link = { id, lead_id: optin.lead_id };
        q.linkLead.run({ ...link, visitor_id: optin.visitor_id, now: at });
        lead = q.leadLinked.get(link) === 1;
      }
      let orderNumber: string | null = null;
      if (optin.order_id !== null) {
        const link = { id, order_id: optin.order_id };
        q.linkOrder.run(link);
        orderNumber = q.linkedOrderNumber.get(link) ?? null;
      }
      return { lead, orderNumber };
    },

    setSubscribedInTx(id: number, subscribed: boolean): void {
      q.setSubscribed.run({ id, subscribed: subscribed ? 1 : 0, now: now() });
    },

    /** The person blocked the bot or was deactivated: no more messages to them. */
    async unsubscribe(id: number): Promise<void> {
      q.setSubscribed.run({ id, subscribed: 0, now: now() });
    },

    /** The chat got a new id (a Telegram group became a supergroup). */
    async moveChat(id: number, chatId: string): Promise<void> {
      q.setChat.run({ id, chat_id: chatId, now: now() });
    },

    async recipient(id: number): Promise<Recipient | undefined> {
      const row = q.recipient.get(id);
      return row && toRecipient(row);
    },

    /** `recipient`, synchronous, inside a write transaction. */
    recipientInTx(id: number): Recipient | undefined {
      const row = q.recipient.get(id);
      return row && toRecipient(row);
    },

    /** Subscribed bot users linked to an order, on active bots the relay can send through. */
    ofOrderInTx(orderId: number): Recipient[] {
      return q.ofOrder.all(orderId).map(toRecipient);
    },
  };
}
export type SubscriberStore = ReturnType<typeof createSubscriberStore>;
