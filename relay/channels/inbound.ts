import type { BotUser } from '../bot-users/schemas.js';
import type { MessengerPerson } from '../bot-users/subscribers.js';
import type { ChatInfo, ChatMemberStatus } from '../bots/chats.js';
import type { BotRef } from '../bots/lifecycle.js';
import type { Tx } from '../db/sql.js';
import type { Deps } from '../deps.js';
import { escapeHtml, leadOfHandled } from '../events/render.js';
import { queueMessageInTx, SENDABLE_BOTS } from '../messages/outbox.js';
import type { Outcome } from '../scenario/runtime/engine.js';
import { OPTIN_REPLY_EVENT, optinReply, type OptinOutcome } from './optin-replies.js';

/** What a /start did; null when this update was handled before (delivered twice). */
export type StartResult = {
  botUser: BotUser;
  created: boolean;
  linked: boolean;
  /** Steps of the welcome flow run by this /start. */
  steps: number;
} | null;

/** What a message or press did; null when this update was handled before. */
export type MessageResult = {
  botUserId: number;
  messageId: number | null;
  steps: number;
  /** A short text for the person (a press on an outdated menu): Telegram shows it as a toast. */
  notice?: string;
} | null;

/**
 * What opening the bot's chat did (a messenger that lets the bot write only after the person's
 * first message): the bot user, and what their token did (null without one); null when this
 * update was handled before.
 */
export type OpenResult = {
  botUser: BotUser;
  created: boolean;
  outcome: OptinOutcome | null;
} | null;

/** The messenger's id for an inbound message, unique per bot (dedupes repeated updates). */
type StartMeta = {
  remoteId: string | null;
  /**
   * What the person wrote, kept in the history instead of `/start`: a first message that was
   * not a command (WhatsApp has none) but starts the person's subscription all the same.
   */
  said?: string;
};
type Meta = StartMeta & { text: string };

/**
 * What people do in a messenger, whichever messenger it is: Telegram updates (webhook or
 * long polling) and the sandbox inbox both end here. Every handler is one write transaction.
 */
export function createInbound({ db, stores }: Pick<Deps, 'db' | 'stores'>) {
  const { subscribers, messages, optins, botUsers, events, deliveries } = stores;
  const scenario = stores.scenarioRuntime;

  /** Redeems an opt-in token and links what it names; null for a payload that is no token. */
  const redeem = async (tx: Tx, token: string, botUserId: number): Promise<OptinOutcome | null> => {
    const r = await optins.redeemInTx(tx, token, botUserId);
    if (r?.status !== 'linked') return r;
    const links = await subscribers.linkOptinInTx(tx, botUserId, r.optin);
    return { status: 'linked', links, again: !r.now };
  };

  /** Tells the person what their /start <token> did, ahead of the welcome flow's messages. */
  const answer = async (tx: Tx, botUserId: number, outcome: OptinOutcome, langCode: string) => {
    const to = await subscribers.recipientInTx(tx, botUserId);
    if (!to?.chat_id || !SENDABLE_BOTS.has(to.bot_type)) return;
    const text = optinReply(outcome, langCode);
    await queueMessageInTx(tx, stores, { ...to, chat_id: to.chat_id }, OPTIN_REPLY_EVENT, {
      text,
    });
  };

  /** A fast path for a repeated update; the insert in `record` is what decides. */
  const seen = async (tx: Tx, bot: BotRef, remoteId: string | null) =>
    remoteId !== null && (await messages.seenInTx(tx, bot.id, remoteId));

  /**
   * Stores the inbound message; null when this bot has it already (an update delivered
   * twice, also to two relays at once: the unique index lets one insert win, and the other
   * transaction — on PostgreSQL, after waiting for the first to commit — gets null and
   * undoes its work).
   */
  const record = (
    tx: Tx,
    bot: BotRef,
    botUserId: number,
    person: MessengerPerson,
    content_type: string,
    payload: { text: string; data?: string },
    remoteId: string | null,
  ) =>
    messages.insertInTx(tx, {
      shop_id: bot.shop_id,
      bot_id: bot.id,
      bot_user_id: botUserId,
      chat_id: person.chat_id,
      direction: 'in',
      content_type,
      payload,
      remote_id: remoteId,
    });

  /** Thrown to roll back the handling of an update another transaction handled. */
  const duplicate = Symbol('duplicate update');
  const once = async <T>(fn: (tx: Tx) => Promise<T>): Promise<T | null> => {
    try {
      return await db.tx(fn);
    } catch (err) {
      if (err === duplicate) return null;
      throw err;
    }
  };

  /**
   * /start [token]: creates or updates the bot user (subscribed), stores the command (as
   * `/start`: a token is single-use and says nothing to whoever reads the history), and when
   * the token is valid — unused, unexpired, of this shop and (if it names one) this bot —
   * links the bot user to the opt-in's visitor, lead and order. A used or expired token
   * links nothing; the person is still a subscriber. `bot_user.subscribed` fires for a new
   * subscriber, a returning one, or a new link, so staff alerts see every opt-in. The bot
   * then says what the token did (the order or request the person now follows, or why the
   * link did nothing) in their language, and the bot's welcome flow starts — all in the same
   * transaction, queued in that order.
   */
  const startTx = (
    bot: BotRef,
    person: MessengerPerson,
    token: string | null,
    meta: StartMeta,
  ): Promise<StartResult> =>
    once(async (tx) => {
      if (await seen(tx, bot, meta.remoteId)) return null;
      // What the person was before decides "subscribed": read locked, so two /starts at once
      // (two relays) do not both count as the first.
      const { id, before } = await subscribers.subscribeInTx(tx, bot, person, token ?? '');
      const messageId =
        meta.said === undefined
          ? await record(tx, bot, id, person, 'command', { text: '/start' }, meta.remoteId)
          : await record(tx, bot, id, person, 'text', { text: meta.said }, meta.remoteId);
      if (messageId === null) throw duplicate;
      await created(tx, bot, id, messageId);
      const outcome = token ? await redeem(tx, token, id) : null;
      const botUser = (await botUsers.getInTx(tx, id))!;
      if (!before || !before.subscribed || (outcome?.status === 'linked' && !outcome.again))
        await events.emit(tx, {
          name: 'bot_user.subscribed',
          shop_id: bot.shop_id,
          bot_user: botUser,
        });
      if (outcome) await answer(tx, id, outcome, botUser.lang_code);
      const { steps } = await scenario.welcomeInTx(tx, id, bot.id);
      return { botUser, created: !before, linked: outcome?.status === 'linked', steps };
    });

  /**
   * The person opened the bot's chat, and the bot may write only after their first message
   * (Viber): their bot user (new ones unsubscribed, known ones as they were), `/start` in the
   * history and the token's links — nothing queued, no event: the messenger lets the caller
   * answer once, and the subscription begins with their first message (`startWithToken`; for
   * someone known who had unsubscribed, with their next message: `returned`).
   */
  const openTx = (
    bot: BotRef,
    person: MessengerPerson,
    token: string | null,
    meta: StartMeta,
  ): Promise<OpenResult> =>
    once(async (tx) => {
      if (await seen(tx, bot, meta.remoteId)) return null;
      const { id, before } = await subscribers.openInTx(tx, bot, person, token ?? '');
      const messageId = await record(
        tx,
        bot,
        id,
        person,
        'command',
        { text: '/start' },
        meta.remoteId,
      );
      if (messageId === null) throw duplicate;
      const outcome = token ? await redeem(tx, token, id) : null;
      // Following the shop's link is an explicit start: it ends a manager's switch-off too.
      if (outcome) await subscribers.choseInTx(tx, id);
      return { botUser: (await botUsers.getInTx(tx, id))!, created: !before, outcome };
    });

  /**
   * Records the message (bringing back someone the messenger unsubscribed: `returned`), then
   * lets the person's scenario run answer it.
   */
  const messageTx = (
    bot: BotRef,
    person: MessengerPerson,
    contentType: string,
    payload: { text: string; data?: string },
    remoteId: string | null,
  ): Promise<MessageResult> =>
    once(async (tx) => {
      if (await seen(tx, bot, remoteId)) return null;
      // The person as this message finds them (locked) decides whether it brings them back.
      const known = await subscribers.upsertInTx(tx, bot, person, { subscribe: false });
      const id = known.id;
      // A press is stored with its button's title.
      const stored =
        contentType === 'callback'
          ? {
              ...payload,
              text: (await scenario.buttonTitleInTx(tx, payload.data!)) ?? payload.text,
            }
          : payload;
      const messageId = await record(tx, bot, id, person, contentType, stored, remoteId);
      if (messageId === null) throw duplicate;
      await created(tx, bot, id, messageId);
      if (!known.subscribed && known.by === 'person') await returned(tx, bot, id);
      const outcome: Outcome =
        contentType === 'callback'
          ? await scenario.pressInTx(tx, id, payload.data!)
          : contentType === 'text'
            ? await scenario.textInTx(tx, id, payload.text)
            : { steps: 0 };
      // The person saw only the notice (a press on an outdated menu): the history says so.
      if (contentType === 'callback' && outcome.notice)
        await messages.setNoticeInTx(tx, messageId, outcome.notice);
      // What no scenario took waits for a manager: alert channels and webhooks may hear of it.
      if (contentType !== 'callback' && !outcome.handled) {
        const [message, botUser] = await Promise.all([
          messages.get(messageId, tx),
          botUsers.getInTx(tx, id),
        ]);
        await events.emit(tx, {
          name: 'message.received',
          shop_id: bot.shop_id,
          message: message!,
          bot_user: botUser!,
        });
      }
      const { steps, notice } = outcome;
      return { botUserId: id, messageId, steps, ...(notice ? { notice } : {}) };
    });

  /**
   * Someone the messenger had unsubscribed (they left or blocked the bot, or a send said they
   * are gone) wrote again, and the messenger lets the bot answer them again: Viber subscribes
   * a person with their message, WhatsApp opens its 24-hour window, VK lets a community write
   * to whoever wrote to it. They are subscribed again and `bot_user.subscribed` fires, as for
   * a returning subscriber's /start, so staff alerts see them — but the welcome flow does not
   * run again (they are no one new; their message goes to their scenario run as any other).
   * A manager's switch-off is not undone by writing: only a manager, or the person's explicit
   * start (a start command, a link with a token, the messenger's Subscribe or Allow), ends it.
   */
  const returned = async (tx: Tx, bot: BotRef, id: number) => {
    await subscribers.setSubscribedInTx(tx, id, true);
    const botUser = (await botUsers.getInTx(tx, id))!;
    await events.emit(tx, { name: 'bot_user.subscribed', shop_id: bot.shop_id, bot_user: botUser });
  };

  /** Every message from a person, for the console's unread counts and open chats. */
  const created = (tx: Tx, bot: BotRef, botUserId: number, messageId: number) =>
    events.emit(tx, {
      name: 'message.created',
      shop_id: bot.shop_id,
      message_id: messageId,
      bot_user_id: botUserId,
    });

  /** The bot joined or left a group or channel (or it changed its title). */
  const chatMemberTx = (bot: BotRef, chat: ChatInfo, status: ChatMemberStatus) =>
    db.tx(async (tx) => {
      const row = await stores.botChats.upsertInTx(tx, bot, chat, status);
      await events.emit(tx, { name: 'bot.chat_updated', shop_id: bot.shop_id, chat: row });
      return row;
    });

  /**
   * A button under a manager alert, pressed in the managers' chat: "Mark handled" sets the
   * lead's status to `done` and tells the chat who did it. Only in a chat that is one of the
   * shop's alert channels through this bot, and only for the shop's own lead: callback data
   * comes from the messenger's client and is not trusted.
   */
  const alertActionTx = (bot: BotRef, chatId: string, who: string, data: string) =>
    db.tx(async (tx): Promise<{ notice: string }> => {
      const leadId = leadOfHandled(data);
      const lead = leadId === undefined ? undefined : await stores.leads.get(leadId);
      if (
        !lead ||
        lead.shop_id !== bot.shop_id ||
        !(await stores.botChats.isAlertChatInTx(tx, bot.id, chatId))
      )
        return { notice: 'This button is no longer available.' };
      if (lead.status === 'done') return { notice: `Lead #${lead.id} was handled already.` };
      await stores.leads.updateInTx(tx, lead.id, { status: 'done' });
      const by = who ? ` by ${who}` : '';
      await stores.deliveries.enqueueInTx(tx, {
        shop_id: bot.shop_id,
        event: 'alert.handled',
        kind: bot.bot_type,
        bot_id: bot.id,
        chat_id: chatId,
        payload: {
          text: `✓ Lead #${lead.id} marked handled${escapeHtml(by)}.`,
          parse_mode: 'HTML',
        },
      });
      return { notice: `Lead #${lead.id} marked handled.` };
    });

  const membershipTx = (bot: BotRef, person: MessengerPerson, member: boolean) =>
    db.tx(async (tx) => {
      const existing = await subscribers.findInTx(tx, bot.id, person.messenger_user_id);
      if (!existing) return undefined;
      await subscribers.setSubscribedInTx(tx, existing.id, member);
      return existing.id;
    });

  return {
    async start(bot: BotRef, person: MessengerPerson, token: string | null, meta: StartMeta) {
      return startTx(bot, person, token, meta);
    },

    /**
     * The person opened the bot's chat, possibly from a deep link with `token`, where the
     * messenger lets the bot write only after their first message (Viber's
     * `conversation_started` of someone not subscribed). See `openTx`.
     */
    async open(bot: BotRef, person: MessengerPerson, token: string | null, meta: StartMeta) {
      return openTx(bot, person, token, meta);
    },

    /** The person wrote something (text, or `other` for what the relay does not read). */
    async message(
      bot: BotRef,
      person: MessengerPerson,
      meta: Meta & { contentType?: 'text' | 'other' },
    ) {
      return messageTx(bot, person, meta.contentType ?? 'text', { text: meta.text }, meta.remoteId);
    },

    /** The person tapped an inline button; `data` is its callback data (stored with the button's title). */
    async press(bot: BotRef, person: MessengerPerson, meta: Meta & { data: string }) {
      return messageTx(
        bot,
        person,
        'callback',
        { text: meta.text, data: meta.data },
        meta.remoteId,
      );
    },

    /** The bot was added to a group or channel, or removed from it (Telegram `my_chat_member`). */
    async chatMember(bot: BotRef, chat: ChatInfo, status: ChatMemberStatus) {
      return chatMemberTx(bot, chat, status);
    },

    /**
     * A group became a supergroup (Telegram's `migrate_to_chat_id`): the bot's chat takes the
     * new id. Alert channels follow on their next send (relay/channels/delivery-hooks.ts).
     */
    async chatMoved(bot: BotRef, from: string, to: string) {
      await db.tx((tx) => stores.botChats.moveInTx(tx, bot.id, from, to));
    },

    /** A button of a manager alert was pressed in a group (`from`: who pressed it). */
    async alertAction(bot: BotRef, chatId: string, from: string, data: string) {
      return alertActionTx(bot, chatId, from, data);
    },

    /**
     * A message from a messenger without a start command (WhatsApp, Viber, VK), which may
     * carry an opt-in token: inside the person's words (the prefilled `wa.me` text) or beside
     * them (VK's `ref` from a `vk.me` link). When `token` is one this bot may redeem, it is a
     * start with that token — linked, answered and welcomed exactly like `/start <token>` (the
     * history keeps `/start`, never the token). A first message from someone new, or from
     * someone who only opened the chat so far (Viber), starts them too (subscribed, welcomed;
     * the history keeps what they wrote) — unless a manager switched them off. Anything else
     * is a message (which subscribes again someone the messenger unsubscribed: `returned`).
     */
    async startWithToken(
      bot: BotRef,
      person: MessengerPerson,
      meta: Meta & { token: string | null; contentType?: 'text' | 'other' },
    ): Promise<StartResult | MessageResult> {
      const { remoteId, text, token, contentType = 'text' } = meta;
      if (token && (await optins.known(token, bot)))
        return startTx(bot, person, token, { remoteId });
      if (await subscribers.startsByWriting(bot.id, person.messenger_user_id))
        return startTx(bot, person, null, { remoteId, said: text });
      return messageTx(bot, person, contentType, { text }, remoteId);
    },

    /**
     * The person subscribed outside the chat (Viber's Subscribe button, VK's "Allow
     * messages"): someone new starts as with `/start` (a token may come along, as VK's
     * `key`); someone known is subscribed again, without a second welcome.
     */
    async subscribed(bot: BotRef, person: MessengerPerson, token: string | null, meta: StartMeta) {
      if ((await membershipTx(bot, person, true)) === undefined)
        await startTx(bot, person, token, meta);
    },

    /** The person blocked (false) or unblocked (true) the bot; unknown people are ignored. */
    async membership(bot: BotRef, person: MessengerPerson, member: boolean) {
      return membershipTx(bot, person, member);
    },

    /**
     * The messenger's receipt for a message the bot sent (`remoteId`: its id): `delivered`
     * and `read` move the delivery on; `failed` ends it `dead` with the messenger's reason,
     * and a person the messenger says is gone is unsubscribed. Repeated receipts change
     * nothing. `unknown`: no sent message has this id (yet).
     */
    async receipt(
      bot: BotRef,
      remoteId: string,
      status: 'delivered' | 'read' | 'failed',
      failure?: { error: string; recipientGone: boolean },
    ) {
      const r = await deliveries.receipt(
        bot.id,
        remoteId,
        status === 'failed' ? 'dead' : status,
        failure?.error ?? null,
      );
      if (r.outcome === 'moved' && failure?.recipientGone && r.bot_user_id != null)
        await subscribers.unsubscribe(r.bot_user_id);
      return r.outcome;
    },
  };
}
export type Inbound = ReturnType<typeof createInbound>;
