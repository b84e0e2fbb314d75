import type { BotUser } from '../bot-users/schemas.js';
import type { MessengerPerson } from '../bot-users/subscribers.js';
import type { BotRef } from '../bots/lifecycle.js';
import type { Deps } from '../deps.js';
import { queueMessageInTx, SENDABLE_BOTS } from '../messages/outbox.js';
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

/** The messenger's id for an inbound message, unique per bot (dedupes repeated updates). */
type StartMeta = { remoteId: string | null };
type Meta = StartMeta & { text: string };

/**
 * What people do in a messenger, whichever messenger it is: Telegram updates (webhook or
 * long polling) and the sandbox inbox both end here. Every handler is one write transaction.
 */
export function createInbound({ db, stores }: Pick<Deps, 'db' | 'stores'>) {
  const { subscribers, messages, optins, botUsers, events, scenarioRuntime: scenario } = stores;

  /** Redeems an opt-in token and links what it names; null for a payload that is no token. */
  const redeem = (token: string, botUserId: number): OptinOutcome | null => {
    const r = optins.redeemInTx(token, botUserId);
    if (r?.status !== 'linked') return r;
    const links = subscribers.linkOptinInTx(botUserId, r.optin);
    return { status: 'linked', links, again: !r.now };
  };

  /** Tells the person what their /start <token> did, ahead of the welcome flow's messages. */
  const answer = (botUserId: number, outcome: OptinOutcome, langCode: string) => {
    const to = subscribers.recipientInTx(botUserId);
    if (!to?.chat_id || !SENDABLE_BOTS.has(to.bot_type)) return;
    const text = optinReply(outcome, langCode);
    queueMessageInTx(stores, { ...to, chat_id: to.chat_id }, OPTIN_REPLY_EVENT, { text });
  };

  const seen = (bot: BotRef, remoteId: string | null) =>
    remoteId !== null && messages.seenInTx(bot.id, remoteId);

  const record = (
    bot: BotRef,
    botUserId: number,
    person: MessengerPerson,
    content_type: string,
    payload: { text: string; data?: string },
    remoteId: string | null,
  ) =>
    messages.insertInTx({
      shop_id: bot.shop_id,
      bot_id: bot.id,
      bot_user_id: botUserId,
      chat_id: person.chat_id,
      direction: 'in',
      content_type,
      payload,
      remote_id: remoteId,
    });

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
  const startTx = db.transaction(
    (bot: BotRef, person: MessengerPerson, token: string | null, meta: StartMeta): StartResult => {
      if (seen(bot, meta.remoteId)) return null;
      const before = subscribers.findInTx(bot.id, person.messenger_user_id);
      const id = subscribers.upsertInTx(bot, person, {
        subscribe: true,
        startParameter: token ?? '',
      });
      record(bot, id, person, 'command', { text: '/start' }, meta.remoteId);
      const outcome = token ? redeem(token, id) : null;
      const botUser = botUsers.getInTx(id)!;
      if (!before || !before.subscribed || (outcome?.status === 'linked' && !outcome.again))
        events.emit({ name: 'bot_user.subscribed', shop_id: bot.shop_id, bot_user: botUser });
      if (outcome) answer(id, outcome, botUser.lang_code);
      const { steps } = scenario.welcomeInTx(id, bot.id);
      return { botUser, created: !before, linked: outcome?.status === 'linked', steps };
    },
  );

  /** Records the message, then lets the person's scenario run answer it. */
  const messageTx = db.transaction(
    (
      bot: BotRef,
      person: MessengerPerson,
      contentType: string,
      payload: { text: string; data?: string },
      remoteId: string | null,
    ): MessageResult => {
      if (seen(bot, remoteId)) return null;
      const id = subscribers.upsertInTx(bot, person, { subscribe: false });
      if (contentType === 'callback')
        payload = { ...payload, text: scenario.buttonTitleInTx(payload.data!) ?? payload.text };
      const messageId = record(bot, id, person, contentType, payload, remoteId);
      const outcome =
        contentType === 'callback'
          ? scenario.pressInTx(id, payload.data!)
          : contentType === 'text'
            ? scenario.textInTx(id, payload.text)
            : { steps: 0 };
      return { botUserId: id, messageId, ...outcome };
    },
  );

  const membershipTx = db.transaction((bot: BotRef, person: MessengerPerson, member: boolean) => {
    const existing = subscribers.findInTx(bot.id, person.messenger_user_id);
    if (!existing) return undefined;
    subscribers.setSubscribedInTx(existing.id, member);
    return existing.id;
  });

  return {
    async start(bot: BotRef, person: MessengerPerson, token: string | null, meta: StartMeta) {
      return startTx.immediate(bot, person, token, meta);
    },

    /** The person wrote something (text, or `other` for what the relay does not read). */
    async message(
      bot: BotRef,
      person: MessengerPerson,
      meta: Meta & { contentType?: 'text' | 'other' },
    ) {
      return messageTx.immediate(
        bot,
        person,
        meta.contentType ?? 'text',
        { text: meta.text },
        meta.remoteId,
      );
    },

    /** The person tapped an inline button; `data` is its callback data (stored with the button's title). */
    async press(bot: BotRef, person: MessengerPerson, meta: Meta & { data: string }) {
      return messageTx.immediate(
        bot,
        person,
        'callback',
        { text: meta.text, data: meta.data },
        meta.remoteId,
      );
    },

    /** The person blocked (false) or unblocked (true) the bot; unknown people are ignored. */
    async membership(bot: BotRef, person: MessengerPerson, member: boolean) {
      return membershipTx.immediate(bot, person, member);
    },
  };
}
export type Inbound = ReturnType<typeof createInbound>;
