import { randomUUID } from 'node:crypto';
import type { BotType } from '../bots/schemas.js';
import { now, type Db } from '../db/open.js';
import { dialect } from '../db/dialect.js';
import { sql, type Tx } from '../db/sql.js';
import { SENDABLE_BOTS } from '../messages/outbox.js';
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

/**
 * Who turned a bot user's messages off: the person (they left or blocked the bot, or the
 * messenger says they are gone) or a manager (`subscribed_to_bot: false` through the API).
 */
export type UnsubscribedBy = 'person' | 'manager';

/**
 * A known person as an update finds them (locked): whether they are subscribed and, when
 * not, who unsubscribed them (null: subscribed, or unsubscribed before the relay kept who).
 */
export type Known = { id: number; subscribed: boolean; by: UnsubscribedBy | null };

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
  /** When the person last wrote to the bot (WhatsApp's 24-hour window); null: never. */
  last_inbound_at: string | null;
  /**
   * A test person of the scenario editor's Try panel: what the bot says to them is kept in
   * the history only, never sent to a messenger.
   */
  test?: boolean;
};

type RecipientRow = Omit<Recipient, 'subscribed' | 'test'> & { subscribed: number; test?: number };
type Upsert = MessengerPerson & {
  shop_id: number;
  bot_id: number;
  subscribe: number;
  start_parameter: string;
  now: string;
};
const toRecipient = (r: RecipientRow): Recipient => ({
  id: r.id,
  shop_id: r.shop_id,
  bot_id: r.bot_id,
  bot_type: r.bot_type,
  chat_id: r.chat_id,
  subscribed: r.subscribed === 1,
  ...(r.test === 1 ? { test: true } : {}),
  last_inbound_at: r.last_inbound_at,
});

/**
 * What a later update of a known person changes: what it knows (their chat, a name, a
 * language, a profile, a new opt-in token) over what was stored; nothing it does not know.
 */
const FILL_IN = `
         chat_id = excluded.chat_id,
         name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE bot_users.name END,
         lang_code = CASE WHEN excluded.lang_code <> '' THEN excluded.lang_code ELSE bot_users.lang_code END,
         messenger_user_url = CASE WHEN excluded.messenger_user_url <> ''
           THEN excluded.messenger_user_url ELSE bot_users.messenger_user_url END,
         start_parameter = CASE WHEN excluded.start_parameter <> ''
           THEN excluded.start_parameter ELSE bot_users.start_parameter END,
         updated_at = excluded.updated_at`;

/**
 * Bot users as the messengers see them: created or updated from inbound updates, linked to
 * the opt-in they arrived with, unsubscribed when they block the bot. The `…InTx` methods run
 * in the caller's transaction: the /start handler makes one write of all of them.
 */
export function createSubscriberStore(db: Db) {
  const d = dialect(db.engine);
  const q = {
    // Locked until the transaction ends: what the person was before this update is what the
    // update's outcome (a new subscriber, a returning one) is decided on, on every relay.
    find: sql<
      { bot_id: number; messenger_user_id: string },
      { id: number; subscribed: number; unsubscribed_by: UnsubscribedBy | null }
    >(
      `SELECT id, subscribed_to_bot AS subscribed, unsubscribed_by FROM bot_users
       WHERE bot_id = @bot_id AND messenger_user_id = @messenger_user_id${d.forUpdate}`,
    ),
    // A later update fills in what it knows and keeps the rest; `subscribe` 1 re-subscribes
    // (a start: whoever had unsubscribed them, the person's start ends it).
    // Only inbound updates get here: the person just wrote, which opens WhatsApp's window.
    upsert: sql<Upsert, { id: number; subscribed: number; unsubscribed_by: UnsubscribedBy | null }>(
      `INSERT INTO bot_users (shop_id, bot_id, messenger_user_id, chat_id, name, lang_code,
         messenger_user_url, subscribed_to_bot, start_parameter, created_at, updated_at,
         last_inbound_at)
       VALUES (@shop_id, @bot_id, @messenger_user_id, @chat_id, @name, @lang_code,
         @messenger_user_url, 1, @start_parameter, @now, @now, @now)
       ON CONFLICT (bot_id, messenger_user_id) DO UPDATE SET ${FILL_IN},
         subscribed_to_bot = CASE WHEN @subscribe = 1 THEN 1 ELSE bot_users.subscribed_to_bot END,
         unsubscribed_by = CASE WHEN @subscribe = 1 THEN NULL ELSE bot_users.unsubscribed_by END,
         last_inbound_at = excluded.last_inbound_at
       RETURNING id, subscribed_to_bot AS subscribed, unsubscribed_by`,
    ),
    // The same new row, or nothing when the person exists (also when another relay has just
    // created them: PostgreSQL waits for that transaction, then does nothing).
    insertNew: sql<Omit<Upsert, 'subscribe'>, { id: number }>(
      `INSERT INTO bot_users (shop_id, bot_id, messenger_user_id, chat_id, name, lang_code,
         messenger_user_url, subscribed_to_bot, start_parameter, created_at, updated_at,
         last_inbound_at)
       VALUES (@shop_id, @bot_id, @messenger_user_id, @chat_id, @name, @lang_code,
         @messenger_user_url, 1, @start_parameter, @now, @now, @now)
       ON CONFLICT (bot_id, messenger_user_id) DO NOTHING
       RETURNING id`,
    ),
    // A person who opened the bot's chat but has not written yet (Viber's conversation_started):
    // new, they are not subscribed and have never written; known, they keep both.
    open: sql<Omit<Upsert, 'subscribe'>, { id: number }>(
      `INSERT INTO bot_users (shop_id, bot_id, messenger_user_id, chat_id, name, lang_code,
         messenger_user_url, subscribed_to_bot, start_parameter, created_at, updated_at)
       VALUES (@shop_id, @bot_id, @messenger_user_id, @chat_id, @name, @lang_code,
         @messenger_user_url, 0, @start_parameter, @now, @now)
       ON CONFLICT (bot_id, messenger_user_id) DO UPDATE SET ${FILL_IN}
       RETURNING id`,
    ),
    // A known person's explicit start where the messenger lets the bot write only after
    // their next message (a Viber deep link's token): a manager's switch-off, or not knowing
    // who unsubscribed them, no longer holds them — that message subscribes them again.
    chose: sql<{ id: number; now: string }, never>(
      `UPDATE bot_users SET unsubscribed_by = 'person', updated_at = @now
       WHERE id = @id AND subscribed_to_bot = 0
         AND (unsubscribed_by = 'manager' OR last_inbound_at IS NOT NULL)`,
    ),
    setVisitor: sql<{ id: number; visitor_id: string; now: string }, never>(
      `UPDATE bot_users SET visitor_id = @visitor_id, updated_at = @now WHERE id = @id`,
    ),
    // The lead and the order must be of the bot user's shop (the token was checked already;
    // this keeps a link from ever crossing shops). A lead is the opt-in's visitor's own, and
    // keeps the first messenger subscriber it gets: only its web visitor (the widget's bot
    // user) or nobody gives way, never another person's chat.
    linkLead: sql<{ id: number; lead_id: number; visitor_id: string | null; now: string }, never>(
      `UPDATE leads SET bot_user_id = @id, updated_at = @now
       WHERE id = @lead_id AND visitor_id = @visitor_id
         AND shop_id = (SELECT shop_id FROM bot_users WHERE id = @id)
         AND (bot_user_id IS NULL
           OR (SELECT b.bot_type FROM bot_users u JOIN bots b ON b.id = u.bot_id
               WHERE u.id = leads.bot_user_id) = 'web')`,
    ),
    leadLinked: sql<{ id: number; lead_id: number }, { one: number }>(
      `SELECT 1 AS one FROM leads WHERE id = @lead_id AND bot_user_id = @id`,
    ),
    // An order may have many subscribers (a couple, a gift): each link adds one.
    linkOrder: sql<{ id: number; order_id: number }, never>(
      `INSERT INTO bot_user_orders (bot_user_id, order_id)
       SELECT @id, o.id FROM orders o
       WHERE o.id = @order_id AND o.shop_id = (SELECT shop_id FROM bot_users WHERE id = @id)
       ON CONFLICT DO NOTHING`,
    ),
    linkedOrderNumber: sql<{ id: number; order_id: number }, { number: string }>(
      `SELECT o.number FROM bot_user_orders bo JOIN orders o ON o.id = bo.order_id
       WHERE bo.bot_user_id = @id AND bo.order_id = @order_id`,
    ),
    // The messenger's word on the person: subscribing clears who unsubscribed them; leaving
    // marks a subscriber `person`, and keeps a manager's switch-off a manager's (their next
    // message must not undo it).
    setSubscribed: sql<{ id: number; subscribed: number; now: string }, never>(
      `UPDATE bot_users SET subscribed_to_bot = @subscribed,
         unsubscribed_by = CASE WHEN @subscribed = 1 THEN NULL
           WHEN subscribed_to_bot = 1 THEN 'person' ELSE unsubscribed_by END,
         updated_at = @now
       WHERE id = @id`,
    ),
    setChat: sql<{ id: number; chat_id: string; now: string }, never>(
      `UPDATE bot_users SET chat_id = @chat_id, updated_at = @now WHERE id = @id`,
    ),
    recipient: sql<[number], RecipientRow>(
      `SELECT u.id, u.shop_id, u.bot_id, b.bot_type, u.chat_id, u.subscribed_to_bot AS subscribed,
         u.last_inbound_at, u.test
       FROM bot_users u JOIN bots b ON b.id = u.bot_id WHERE u.id = ?`,
    ),
    insertTestPerson: sql<Omit<Upsert, 'subscribe'>, { id: number }>(
      `INSERT INTO bot_users (shop_id, bot_id, messenger_user_id, chat_id, name, lang_code,
         messenger_user_url, subscribed_to_bot, start_parameter, test, created_at, updated_at)
       VALUES (@shop_id, @bot_id, @messenger_user_id, @chat_id, @name, @lang_code,
         @messenger_user_url, 1, @start_parameter, 1, @now, @now)
       RETURNING id`,
    ),
    // Test persons nobody has used since `before`: made before it, no message either way
    // since (each Try turn writes one), no delay step still to end. A batch at a time, so
    // that one SQLite write does not hold the writer long; only `test = 1` rows are chosen.
    staleTestPersons: sql<{ before: string; limit: number }, never>(
      `DELETE FROM bot_users WHERE id IN (
         SELECT u.id FROM bot_users u
         WHERE u.test = 1 AND u.created_at < @before
           AND NOT EXISTS (SELECT 1 FROM messages m
             WHERE m.bot_user_id = u.id AND m.created_at >= @before)
           AND NOT EXISTS (SELECT 1 FROM scenario_runs r
             WHERE r.bot_user_id = u.id AND r.resume_at IS NOT NULL)
         LIMIT @limit)`,
    ),
    // Only messengers the relay can send through, and only bots that are not stopped.
    ofOrder: sql<[number], RecipientRow>(
      `SELECT u.id, u.shop_id, u.bot_id, b.bot_type, u.chat_id, u.subscribed_to_bot AS subscribed,
         u.last_inbound_at
       FROM bot_user_orders bo
       JOIN bot_users u ON u.id = bo.bot_user_id
       JOIN bots b ON b.id = u.bot_id
       WHERE bo.order_id = ? AND u.subscribed_to_bot = 1 AND u.chat_id IS NOT NULL
         AND b.status = 'active' AND b.bot_type IN (${[...SENDABLE_BOTS].map((t) => `'${t}'`).join(', ')})
       ORDER BY u.id`,
    ),
    standing: sql<
      { bot_id: number; messenger_user_id: string },
      { wrote: number; unsubscribed_by: UnsubscribedBy | null }
    >(
      `SELECT CASE WHEN last_inbound_at IS NULL THEN 0 ELSE 1 END AS wrote, unsubscribed_by
       FROM bot_users WHERE bot_id = @bot_id AND messenger_user_id = @messenger_user_id`,
    ),
    lastInbound: sql<{ bot_id: number; messenger_user_id: string }, { at: string | null }>(
      `SELECT last_inbound_at AS at FROM bot_users
       WHERE bot_id = @bot_id AND messenger_user_id = @messenger_user_id`,
    ),
  };

  const findInTx = async (
    tx: Tx,
    botId: number,
    messengerUserId: string,
  ): Promise<Known | undefined> => {
    const row = await tx.get(q.find, { bot_id: botId, messenger_user_id: messengerUserId });
    return row && { id: row.id, subscribed: row.subscribed === 1, by: row.unsubscribed_by };
  };
  const standing = (botId: number, messengerUserId: string) =>
    db.get(q.standing, { bot_id: botId, messenger_user_id: messengerUserId });
  const row = (
    bot: { id: number; shop_id: number },
    person: MessengerPerson,
    startParameter: string,
  ) => ({
    shop_id: bot.shop_id,
    bot_id: bot.id,
    ...person,
    start_parameter: startParameter,
    now: now(),
  });

  const upsertInTx = async (
    tx: Tx,
    bot: { id: number; shop_id: number },
    person: MessengerPerson,
    { subscribe, startParameter = '' }: { subscribe: boolean; startParameter?: string },
  ): Promise<Known> => {
    const values = { ...row(bot, person, startParameter), subscribe: subscribe ? 1 : 0 };
    const r = (await tx.get(q.upsert, values))!;
    return { id: r.id, subscribed: r.subscribed === 1, by: r.unsubscribed_by };
  };

  return {
    /** The person's bot user, locked until the transaction ends; undefined for a new person. */
    findInTx,

    /**
     * Creates or updates the person's bot user. `subscribe` marks them subscribed (a /start);
     * otherwise an existing bot user keeps its subscription and a new one starts subscribed.
     * One statement: atomic with several writers. Answers the bot user as it is now (locked
     * until the transaction ends): without `subscribe`, whether and by whom it is unsubscribed.
     */
    upsertInTx,

    /**
     * A /start: subscribes the person (creating their bot user, or updating it as
     * `upsertInTx` does) and says what they were before — undefined for a new person. Two
     * /starts of one new person at once (two relays) create one bot user, and only one of
     * them sees the person as new: the row is created with ON CONFLICT DO NOTHING, and an
     * existing one is read locked.
     */
    async subscribeInTx(
      tx: Tx,
      bot: { id: number; shop_id: number },
      person: MessengerPerson,
      startParameter: string,
    ): Promise<{ id: number; before: Known | undefined }> {
      let before = await findInTx(tx, bot.id, person.messenger_user_id);
      if (!before) {
        const created = await tx.get(q.insertNew, row(bot, person, startParameter));
        if (created) return { id: created.id, before: undefined };
        before = (await findInTx(tx, bot.id, person.messenger_user_id))!;
      }
      const { id } = await upsertInTx(tx, bot, person, { subscribe: true, startParameter });
      return { id, before };
    },

    /**
     * A person opened the bot's chat without writing (Viber's conversation_started): a new bot
     * user is created unsubscribed — the messenger lets the bot write only after their first
     * message — and a known one keeps its subscription; says what they were before.
     */
    async openInTx(
      tx: Tx,
      bot: { id: number; shop_id: number },
      person: MessengerPerson,
      startParameter: string,
    ): Promise<{ id: number; before: Known | undefined }> {
      const before = await findInTx(tx, bot.id, person.messenger_user_id);
      const id = (await tx.get(q.open, row(bot, person, startParameter)))!.id;
      return { id, before };
    },

    /**
     * The person followed a link with a token while the bot may not write to them yet
     * (Viber's conversation_started): their next message subscribes them, whoever had
     * unsubscribed them before.
     */
    async choseInTx(tx: Tx, id: number): Promise<void> {
      await tx.run(q.chose, { id, now: now() });
    },

    /**
     * Links the bot user to what the opt-in named: the web visitor, the lead (unless another
     * person's chat has it already), the order (as one more subscriber). Idempotent. Answers
     * what the bot user is linked to now, for the confirmation they are sent.
     */
    async linkOptinInTx(tx: Tx, id: number, optin: OptinToken): Promise<OptinLinks> {
      const at = now();
      if (optin.visitor_id)
        await tx.run(q.setVisitor, { id, visitor_id: optin.visitor_id, now: at });
      let lead = false;
      if (optin.lead_id !== null) {
        const link = { id, lead_id: optin.lead_id };
        await tx.run(q.linkLead, { ...link, visitor_id: optin.visitor_id, now: at });
        lead = (await tx.get(q.leadLinked, link)) !== undefined;
      }
      let orderNumber: string | null = null;
      if (optin.order_id !== null) {
        const link = { id, order_id: optin.order_id };
        await tx.run(q.linkOrder, link);
        orderNumber = (await tx.get(q.linkedOrderNumber, link))?.number ?? null;
      }
      return { lead, orderNumber };
    },

    /**
     * A new test person of `bot` (the scenario editor's Try panel): subscribed, with a
     * messenger id no messenger gives (`test-…`), left out of the shop's lists and exports.
     */
    async createTestPersonInTx(
      tx: Tx,
      bot: { id: number; shop_id: number },
      name: string,
    ): Promise<number> {
      const id = `test-${randomUUID()}`;
      const person = {
        messenger_user_id: id,
        chat_id: id,
        name,
        lang_code: '',
        messenger_user_url: '',
      };
      return (await tx.get(q.insertTestPerson, row(bot, person, '')))!.id;
    },

    /**
     * Deletes the test persons left unused since `before` (ISO time), with their history,
     * variables, tags and run (foreign keys cascade; their leads stay, unlinked). Answers how
     * many went. The relay's hourly maintenance calls it.
     */
    async pruneTestPersons(before: string, batch = 500): Promise<number> {
      let pruned = 0;
      for (;;) {
        const { changes } = await db.run(q.staleTestPersons, { before, limit: batch });
        pruned += changes;
        if (changes < batch) return pruned;
      }
    },

    /** The messenger subscribed (true) or unsubscribed (false) the person; see `setSubscribed`. */
    async setSubscribedInTx(tx: Tx, id: number, subscribed: boolean): Promise<void> {
      await tx.run(q.setSubscribed, { id, subscribed: subscribed ? 1 : 0, now: now() });
    },

    /**
     * The person blocked the bot or was deactivated: no more messages to them until they
     * write again (a manager's switch-off stays a manager's).
     */
    async unsubscribe(id: number): Promise<void> {
      await db.run(q.setSubscribed, { id, subscribed: 0, now: now() });
    },

    /** The chat got a new id (a Telegram group became a supergroup). */
    async moveChat(id: number, chatId: string): Promise<void> {
      await db.run(q.setChat, { id, chat_id: chatId, now: now() });
    },

    async recipient(id: number): Promise<Recipient | undefined> {
      const r = await db.get(q.recipient, [id]);
      return r && toRecipient(r);
    },

    /** `recipient` inside a write transaction. */
    async recipientInTx(tx: Tx, id: number): Promise<Recipient | undefined> {
      const r = await tx.get(q.recipient, [id]);
      return r && toRecipient(r);
    },

    /**
     * Whether the person has written to the bot before: a first message (from someone new, or
     * from someone who only opened the chat) starts their subscription.
     */
    async wrote(botId: number, messengerUserId: string): Promise<boolean> {
      return (await standing(botId, messengerUserId))?.wrote === 1;
    },

    /**
     * Whether the person's message may start their subscription as a first message does: they
     * are new, or have only opened the chat — and no manager switched them off.
     */
    async startsByWriting(botId: number, messengerUserId: string): Promise<boolean> {
      const row = await standing(botId, messengerUserId);
      return !row || (row.wrote === 0 && row.unsubscribed_by !== 'manager');
    },

    /**
     * When a person last wrote to a bot, by their messenger id (a manager's WhatsApp number
     * an alert goes to); null when they never did.
     */
    async lastInbound(botId: number, messengerUserId: string): Promise<string | null> {
      const row = await db.get(q.lastInbound, {
        bot_id: botId,
        messenger_user_id: messengerUserId,
      });
      return row?.at ?? null;
    },

    /** Subscribed bot users linked to an order, on active bots the relay can send through. */
    async ofOrderInTx(tx: Tx, orderId: number): Promise<Recipient[]> {
      return (await tx.all(q.ofOrder, [orderId])).map(toRecipient);
    },
  };
}
export type SubscriberStore = ReturnType<typeof createSubscriberStore>;
