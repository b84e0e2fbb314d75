import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { sql } from '../../../relay/db/sql.js';
import type { TelegramFake } from '../../fakes/telegram.js';
import type { FakeUser } from '../../fakes/telegram-updates.js';
import type { Owner, Relay } from '../../helpers/relay.js';

import { eventually } from '../webhooks/receiver.js';

export { eventually };

let n = 0;

/** A token in @BotFather's shape, known to the fake. */
export function telegramToken(fake: TelegramFake) {
  n += 1;
  const token = `${7_000_000 + n + Math.floor(Math.random() * 1e6)}:${randomBytes(24).toString('base64url')}`;
  fake.addBot(token, `shop${n}_bot`);
  return token;
}

/** A Telegram bot of the owner's shop, created through the API (so the relay connects it). */
export async function telegramBot(
  relay: Relay,
  fake: TelegramFake,
  owner: Owner,
  name = 'Shop bot',
) {
  const token = telegramToken(fake);
  const r = await relay.api.post(
    '/api/bot/bots/',
    { shop_id: owner.shop.id, bot_type: 'telegram', name, token },
    { token: owner.token },
  );
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return { bot: r.body.result as { id: number; shop_id: number; bot_type: 'telegram' }, token };
}

/** A Telegram person; private chats have the person's id. */
export const tgUser = (over: Partial<FakeUser> = {}): FakeUser => {
  n += 1;
  return {
    id: 500_000 + n * 7 + Math.floor(Math.random() * 1000) * 1000,
    first_name: 'Ann',
    last_name: 'Lee',
    username: `ann${n}`,
    language_code: 'en',
    ...over,
  };
};

/** Subscribes a person to a bot the way /start does, without a messenger round trip. */
export async function subscribe(
  relay: Relay,
  bot: { id: number; shop_id: number; bot_type: 'telegram' | 'sandbox' },
  user: FakeUser,
  token: string | null = null,
) {
  const result = await relay.channels.inbound.start(
    bot,
    {
      messenger_user_id: String(user.id),
      chat_id: String(user.id),
      name: user.first_name,
      lang_code: user.language_code ?? '',
      messenger_user_url: user.username ? `https://t.me/${user.username}` : '',
    },
    token,
    { remoteId: null },
  );
  return result!.botUser;
}

/** A delivery row as stored (for attempt counts and states). */
export const deliveryOf = async (relay: Relay, id: number) =>
  (await relay.db.get(
    sql<
      [number],
      {
        id: number;
        status: string;
        attempts: number;
        chat_id: string;
        remote_id: string | null;
        last_error: string | null;
        next_attempt_at: string;
      }
    >('SELECT * FROM deliveries WHERE id = ?'),
    [id],
  ))!;

/** How many bot users, messages and deliveries the database holds: a refused update adds none. */
export const rowCounts = (relay: Relay) =>
  relay.db.get(
    sql<[], { users: number; messages: number; deliveries: number }>(
      `SELECT (SELECT count(*) FROM bot_users) AS users, (SELECT count(*) FROM messages) AS messages,
              (SELECT count(*) FROM deliveries) AS deliveries`,
    ),
  );

/** How many bots the database holds: a refused create adds none. */
export const botCount = async (relay: Relay) =>
  (await relay.db.get(sql<[], { n: number }>(`SELECT count(*) AS n FROM bots`)))!.n;

/**
 * What a channel's suites ask the API as the shop's owner (an Owner, or a WidgetShop): create
 * a bot (of `newBot`'s type and name), the bot user a messenger's person became in the suite's bot,
 * `send_message` to a bot user, and a bot user's inbound history as [content type, text],
 * oldest first. `suite` is read at each call: the suite's relay, owner and bot exist only
 * once its beforeAll has run.
 */
export const ownerCalls = (
  suite: () => { relay: Relay; owner: Owner; botId: number },
  newBot?: { bot_type: string; name: string },
) => ({
  create: (body: Record<string, unknown>, who = suite().owner) =>
    suite().relay.api.post(
      '/api/bot/bots/',
      { shop_id: who.shop.id, ...newBot, ...body },
      { token: who.token },
    ),
  userOf: async (messengerUserId: string | number) => {
    const { relay, owner, botId } = suite();
    const users = await relay.api.get(
      `/api/bot/bot_users/?shop_id=${owner.shop.id}&bot_id=${botId}&limit=100`,
      { token: owner.token },
    );
    return users.body.result.results.find(
      (u: any) => u.messenger_user_id === String(messengerUserId),
    );
  },
  send: (botUserId: number, payload: Record<string, unknown>) => {
    const { relay, owner } = suite();
    return relay.api.post(
      '/api/bot/messages/send_message/',
      { shop_id: owner.shop.id, bot_user_id: botUserId, payload },
      { token: owner.token },
    );
  },
  historyIn: async (botUserId: number) => {
    const { relay, owner } = suite();
    const history = await relay.api.get(
      `/api/bot/messages/?shop_id=${owner.shop.id}&bot_user_id=${botUserId}&direction=in&limit=100`,
      { token: owner.token },
    );
    return history.body.result.results.map((m: any) => [m.content_type, m.payload.text]).reverse();
  },
});

/** A fake messenger's attempts by outcome (`accepted`, an error code, `hang` …). */
export const outcomesOf = (attempts: { outcome: string }[]) =>
  attempts.reduce<Record<string, number>>((acc, a) => {
    acc[a.outcome] = (acc[a.outcome] ?? 0) + 1;
    return acc;
  }, {});

/**
 * `send_message` of `rounds` texts to each bot user (`message <round>-<i>`), through the API
 * as a shop's backend would, round after round; then waits until every delivery is `sent`.
 * Answers the texts, in the order asked.
 */
export async function sendRounds(
  relay: Relay,
  shop: { shopId: number; token: string },
  botUserIds: number[],
  rounds: number,
  waitMs = 60_000,
): Promise<string[]> {
  const ids: number[] = [];
  const texts: string[] = [];
  for (let round = 0; round < rounds; round++)
    for (const [i, id] of botUserIds.entries()) {
      const text = `message ${round}-${i}`;
      const r = await relay.api.post(
        '/api/bot/messages/send_message/',
        { shop_id: shop.shopId, bot_user_id: id, payload: { text } },
        { token: shop.token },
      );
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      ids.push(r.body.result.delivery_id);
      texts.push(text);
    }
  await eventually(async () => {
    const rows = await Promise.all(ids.map((id) => deliveryOf(relay, id)));
    return rows.every((d) => d.status === 'sent');
  }, waitMs);
  return texts;
}
