import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { sql } from '../../../relay/db/sql.js';
import type { TelegramFake } from '../../fakes/telegram.js';
import type { FakeUser } from '../../fakes/telegram-updates.js';
import type { Owner, Relay } from '../../helpers/relay.js';

export { eventually } from '../webhooks/receiver.js';

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
